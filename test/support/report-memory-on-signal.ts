/**
 * Preloaded (`--expose-gc --import`) into a process whose memory a test measures: on SIGUSR2 it
 * collects garbage and prints one `memory {...}` line to stdout, so what is measured is what the
 * process keeps, not garbage V8 has not collected yet.
 */
process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  process.stdout.write(
    `memory ${JSON.stringify({ rssBytes: rss, heapUsedBytes: heapUsed, heapTotalBytes: heapTotal, externalBytes: external })}\n`,
  );
});
