// The few statistics the benchmarks report: medians of repeated runs,
// percentiles of latencies, and ratios to a baseline.

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The value below which `percent` of the values lie, by linear interpolation. */
export function percentile(values: readonly number[], percent: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = ((sorted.length - 1) * percent) / 100;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

// A loop, not Math.min(...values): a storm's 300,000 latencies are more arguments than a call takes.
export function minimum(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((least, value) => (value < least ? value : least));
}

export function maximum(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((most, value) => (value > most ? value : most));
}

/** "1.23–1.45": the least and the most of the values. */
export function formatRange(values: readonly number[], decimals = 0): string {
  return `${formatNumber(minimum(values), decimals)}–${formatNumber(maximum(values), decimals)}`;
}

/** "1.48×"; a dash where either side is missing. */
export function formatRatio(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return '–';
  return `${(value / baseline).toFixed(2)}×`;
}

/** A number with a fixed count of decimals; a dash where it is missing. */
export function formatNumber(value: number | null | undefined, decimals = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** "+96.3" or "−2.1": a difference that reads as one. */
export function formatDifference(value: number, decimals = 1): string {
  if (!Number.isFinite(value)) return '–';
  const text = Math.abs(value).toFixed(decimals);
  return value < 0 ? `−${text}` : `+${text}`;
}

export function formatMebibytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
