// Formatting numbers, dates, times and sizes for display, in either language. Pure functions.

const pad2 = (n) => String(n).padStart(2, "0");

/** 12345 → "12,345" (both languages group digits by three). */
export function formatCount(n) {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The clock of the stage: `{date, time}` for a `Date`, in local time. */
export function formatClock(date, t) {
  const params = {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    monthName: t(`month.${date.getMonth() + 1}`),
    day: date.getDate(),
    weekday: t(`weekday.${date.getDay()}`),
  };
  return {
    date: t("date.full", params),
    time: `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`,
  };
}

/** "1–50 of 1,234" parts for a page that starts at `offset`, has `count` rows, of `total`. */
export function pageRange(offset, count, total) {
  if (count === 0) return null;
  return { from: formatCount(offset + 1), to: formatCount(offset + count), total: formatCount(total) };
}

/** 1536 → "1.5 KB"; binary units, one decimal below 10. */
export function formatBytes(bytes) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  const digits = i === 0 || v >= 10 ? 0 : 1;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** Done/total as a whole percentage, 0 when the total is not known yet. */
export function percent(done, total) {
  if (!total) return 0;
  return Math.min(100, Math.floor((done * 100) / total));
}

/** A value for a table cell: empty strings and missing values show as a dash. */
export function cell(value) {
  if (value === null || value === undefined || value === "") return "—";
  return String(value);
}
