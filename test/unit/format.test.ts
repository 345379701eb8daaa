import { describe, expect, it } from "vitest";
import { formatBytes } from "@/server/domain/format";

describe("format", () => {
  it("gives bytes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MiB");
  });
});
