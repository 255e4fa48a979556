// Five-field cron expressions as CockroachDB's schedules (and Kubernetes CronJobs) read them: minute, hour,
// day of month, month, day of week (0 or 7 is Sunday), each `*`, a number, a range `a-b`, a step `*/n` or
// `a-b/n`, or a comma list of those; plus the macros @hourly, @daily, @weekly and @monthly. Names (MON,
// JAN) are left out on purpose: both readers accept numbers, and one spelling keeps plans comparable.

export const CRON_MACROS: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
};

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

export interface Cron {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** cron's rule: when both day fields are restricted, a day matching either runs. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

function parseField(text: string, min: number, max: number): Set<number> | string {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) return `${JSON.stringify(part)} is not *, a number, a range a-b or a step */n`;
    const from = match[1] === "*" ? min : Number(match[2]);
    const to = match[1] === "*" ? max : match[3] !== undefined ? Number(match[3]) : from;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (from < min || to > max || from > to) return `${JSON.stringify(part)} is outside ${min}-${max}`;
    if (step < 1) return `${JSON.stringify(part)} has a step of 0`;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** The parsed expression, or why it is not one (a sentence naming the field). */
export function parseCron(expression: string): Cron | string {
  const text = CRON_MACROS[expression] ?? expression;
  const parts = text.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `has ${parts.length} fields; expected 5 (minute hour day-of-month month day-of-week) or one of ${Object.keys(CRON_MACROS).join(", ")}`;
  }
  const sets: Set<number>[] = [];
  for (const [i, field] of FIELDS.entries()) {
    const parsed = parseField(parts[i] ?? "", field.min, field.max);
    if (typeof parsed === "string") return `its ${field.name} field ${parsed}`;
    sets.push(parsed);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (daysOfWeek.has(7)) daysOfWeek.add(0);
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthRestricted: parts[2] !== "*",
    dayOfWeekRestricted: parts[4] !== "*",
  };
}

function runsOn(cron: Cron, day: Date): boolean {
  if (!cron.months.has(day.getUTCMonth() + 1)) return false;
  const dom = cron.daysOfMonth.has(day.getUTCDate());
  const dow = cron.daysOfWeek.has(day.getUTCDay());
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return dom || dow;
  return dom && dow;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Long enough to contain every gap of a monthly schedule, including one that skips short months. */
const WINDOW_DAYS = 400;

/**
 * The longest time in milliseconds between two consecutive runs over a 400-day window (from a fixed date,
 * so the answer does not depend on when it is asked); Infinity when the expression runs fewer than twice.
 */
export function longestCronGapMs(cron: Cron): number {
  const start = Date.UTC(2027, 0, 1);
  let previous: number | undefined;
  let longest = 0;
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (let d = 0; d < WINDOW_DAYS; d++) {
    const day = start + d * DAY_MS;
    if (!runsOn(cron, new Date(day))) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const at = day + (h * 60 + m) * MINUTE_MS;
        if (previous !== undefined) longest = Math.max(longest, at - previous);
        previous = at;
      }
    }
  }
  return longest === 0 ? Infinity : longest;
}
