import { describe, expect, it } from "vitest";
import { formatBytes, formatPercent } from "@/server/domain/format";

describe("format", () => {
  it("gives bytes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MiB");
  });

  it("gives shares as percentages with at most one decimal", () => {
    expect(formatPercent(0.1)).toBe("10%");
    expect(formatPercent(0.005)).toBe("0.5%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0.12345)).toBe("12.3%");
  });
});
