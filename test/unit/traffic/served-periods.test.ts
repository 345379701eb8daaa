import { describe, expect, it } from "vitest";
import { withServedUntil } from "@/server/domain/traffic/served-periods";

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 12, minute));
const revisions = [
  { number: 2, createdAt: at(10) },
  { number: 1, createdAt: at(0) },
  { number: 3, createdAt: at(25) },
];

describe("served periods", () => {
  it("ends each revision when the next one was made; the newest serves now", () => {
    expect(withServedUntil(revisions).map(({ number, servedUntil }) => [number, servedUntil])).toEqual([
      [3, null],
      [2, at(25)],
      [1, at(10)],
    ]);
    expect(withServedUntil([])).toEqual([]);
  });
});
