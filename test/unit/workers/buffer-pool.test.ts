import { describe, expect, it } from "vitest";
import { BufferPool } from "@/workers/runtime/buffer-pool";

describe("the session runner's pool of spent input buffers", () => {
  it("gives a spent buffer of the size asked back, and a new one otherwise", () => {
    const pool = new BufferPool(1024);
    const spent = new ArrayBuffer(256);
    pool.give(spent);
    expect(pool.take(128)).not.toBe(spent);
    expect(pool.take(256)).toBe(spent);
    expect(pool.take(256)).not.toBe(spent);
  });

  it("stays within its bytes, dropping other sizes before refusing", () => {
    const pool = new BufferPool(1024);
    const small = new ArrayBuffer(512);
    pool.give(small);
    pool.give(new ArrayBuffer(2048)); // larger than the pool: not kept
    const first = new ArrayBuffer(768);
    pool.give(first); // 512 + 768 > 1024: the 512-byte one goes
    expect(pool.take(512)).not.toBe(small);
    pool.give(new ArrayBuffer(768)); // 768 + 768 > 1024 even alone: refused
    expect(pool.take(768)).toBe(first);
    expect(pool.take(768)).not.toBe(first);
  });
});
