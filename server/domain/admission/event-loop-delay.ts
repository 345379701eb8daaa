/**
 * How far behind a process's event loop runs, from a timer that should fire every `intervalMs`:
 * each tick's lateness, and, between ticks, how overdue the next one is (a loop busy with a
 * backlog of sockets fires no timer, and that is when it matters most). A request that arrives
 * on a loop this far behind has already waited about as long in the process's backlog, and would
 * make every request behind it wait longer. Time is passed in (ms on any monotonic clock).
 */
export class EventLoopDelay {
  private lastTickAtMs: number;
  private lastDelayMs = 0;

  constructor(
    private readonly intervalMs: number,
    startedAtMs: number,
  ) {
    this.lastTickAtMs = startedAtMs;
  }

  /** The timer fired at `nowMs`. */
  tick(nowMs: number): void {
    this.lastDelayMs = Math.max(0, nowMs - this.lastTickAtMs - this.intervalMs);
    this.lastTickAtMs = nowMs;
  }

  /** The last tick's lateness, or how overdue the next tick is, whichever is more. */
  delayMs(nowMs: number): number {
    return Math.max(this.lastDelayMs, nowMs - this.lastTickAtMs - this.intervalMs);
  }
}
