/** How much each tick's lateness moves the smoothed delay: about the last five ticks count. */
const SMOOTHING = 0.2;

/**
 * How far behind a process's event loop runs, from a timer that should fire every `intervalMs`:
 * each tick's lateness, smoothed over the last few ticks, so one burst of arrivals handled in a
 * single turn of the loop (which a gateway serves without trouble) does not count as overload,
 * while a loop late tick after tick does. A request that arrives then has waited about as long
 * in the process's backlog already. Time is passed in (ms on any monotonic clock).
 */
export class EventLoopDelay {
  private lastTickAtMs: number;
  private smoothedDelayMs = 0;

  constructor(
    private readonly intervalMs: number,
    startedAtMs: number,
  ) {
    this.lastTickAtMs = startedAtMs;
  }

  /** The timer fired at `nowMs`. */
  tick(nowMs: number): void {
    const lateMs = Math.max(0, nowMs - this.lastTickAtMs - this.intervalMs);
    this.smoothedDelayMs += SMOOTHING * (lateMs - this.smoothedDelayMs);
    this.lastTickAtMs = nowMs;
  }

  get delayMs(): number {
    return this.smoothedDelayMs;
  }
}
