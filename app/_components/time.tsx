"use client";

import { useState } from "react";

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
  // Read once per mount: render stays pure, and the label is as fresh as the data it labels.
  const [nowMs] = useState(Date.now);
  let value = (date.getTime() - nowMs) / 1000;
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

const CLOCK = new Intl.DateTimeFormat("en", { timeStyle: "medium" });
const DAY_AND_CLOCK = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });

/** A moment to the second ("9:20:05 PM"), with the day only when it is not today. */
export function ClockTime({ date }: { date: Date }) {
  const [today] = useState(() => new Date().toDateString());
  const format = date.toDateString() === today ? CLOCK : DAY_AND_CLOCK;
  return (
    <time dateTime={date.toISOString()} title={DAY_AND_CLOCK.format(date)} suppressHydrationWarning>
      {format.format(date)}
    </time>
  );
}

/** A span of time in the two largest units that matter: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(durationMs: number): string {
  const seconds = Math.max(0, Math.round(durationMs / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}
