import { describe, expect, it } from "vitest";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";

describe("feature list", () => {
  it("accepts numeric, categorical and bool features with open or closed ranges", () => {
    const features = [
      { name: "amount", dtype: "float", min: 0, max: null },
      { name: "hour", dtype: "int", min: 0, max: 23 },
      { name: "country", dtype: "category", categories: ["US", "GB"] },
      { name: "card_present", dtype: "bool" },
    ];
    expect(ZFeatureList.parse(features)).toEqual(features);
  });

  it("refuses a range whose min is above its max, naming the field", () => {
    const result = ZFeatureList.safeParse([{ name: "hour", dtype: "int", min: 23, max: 0 }]);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({
      path: [0, "max"],
      message: "min must not be greater than max",
    });
  });

  it("refuses duplicate names and an empty list", () => {
    expect(ZFeatureList.safeParse([]).error!.issues[0]!.message).toBe(
      "a feature set needs at least one feature",
    );
    const duplicate = ZFeatureList.safeParse([
      { name: "a", dtype: "bool" },
      { name: "a", dtype: "bool" },
    ]);
    expect(duplicate.error!.issues[0]!.message).toBe("duplicate feature name 'a'");
  });
});
