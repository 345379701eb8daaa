import { describe, expect, it } from "vitest";
import { csvField, withoutInternalIds } from "@/server/domain/audit/public-audit-data";

describe("audit data for clients", () => {
  it("leaves out row ids and storage keys at any depth and keeps everything else", () => {
    expect(
      withoutInternalIds({
        id: "ck1",
        name: "fraud",
        revision: {
          number: 2,
          target: { weights: [{ versionId: "ck2", versionNumber: 1, weight: 100 }], shadows: [] },
        },
        storageKey: "ab/cd",
        teamId: "ck3",
        identity: "kept: only exact `id` and keys ending in Id go",
      }),
    ).toEqual({
      name: "fraud",
      revision: { number: 2, target: { weights: [{ versionNumber: 1, weight: 100 }], shadows: [] } },
      identity: "kept: only exact `id` and keys ending in Id go",
    });
    expect(withoutInternalIds(null)).toBeNull();
  });

  it("quotes a CSV field only when it must", () => {
    expect(csvField("deployment.promote")).toBe("deployment.promote");
    expect(csvField('{"a":1,"b":"x"}')).toBe('"{""a"":1,""b"":""x""}"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });
});
