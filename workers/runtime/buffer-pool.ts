/**
 * Input buffers a session thread has finished with, sent back to be packed into again. A fresh
 * buffer per run is garbage outside the JS heap that neither thread collects soon (both allocate
 * little JS, so their GCs are rare): a batch job of the heavy model carried tens of MB of it in
 * RSS. Runs of one model mostly repeat a few sizes. Bounded: past `maxBytes`, the sizes other
 * than the one given are dropped.
 */
export class BufferPool {
  private readonly spare = new Map<number, ArrayBuffer[]>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A buffer of exactly `byteLength` bytes, with whatever a previous run left in it. */
  take(byteLength: number): ArrayBuffer {
    const buffer = this.spare.get(byteLength)?.pop();
    if (!buffer) return new ArrayBuffer(byteLength);
    this.bytes -= byteLength;
    return buffer;
  }

  give(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    if (size === 0 || size > this.maxBytes) return;
    if (this.bytes + size > this.maxBytes) {
      for (const [other, buffers] of this.spare)
        if (other !== size) {
          this.bytes -= other * buffers.length;
          this.spare.delete(other);
        }
      if (this.bytes + size > this.maxBytes) return;
    }
    const buffers = this.spare.get(size);
    if (buffers) buffers.push(buffer);
    else this.spare.set(size, [buffer]);
    this.bytes += size;
  }
}
