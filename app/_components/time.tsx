"use client";

const RELATIVE = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const ABSOLUTE = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
  ["month", 12],
  ["year", Infinity],
];

/** "5 minutes ago", with the exact time on hover. */
export function RelativeTime({ date }: { date: Date }) {
  let value = (date.getTime() - Date.now()) / 1000;
  let unit: Intl.RelativeTimeFormatUnit = "second";
  for (const [stepUnit, size] of STEPS) {
    unit = stepUnit;
    if (Math.abs(value) < size) break;
    value /= size;
  }
  return (
    <time dateTime={date.toISOString()} title={ABSOLUTE.format(date)} suppressHydrationWarning>
      {RELATIVE.format(Math.round(value), unit)}
    </time>
  );
}
