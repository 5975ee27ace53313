/** Latency buckets in seconds (Prometheus convention), from 0.5 ms to 5 s. */
export const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Request counts by path and status, and a latency histogram of infer requests, as Prometheus text. */
export class ServeMetrics {
  private readonly counts = new Map<string, number>();
  private readonly buckets = new Array<number>(latencyBuckets.length).fill(0);
  private sum = 0;
  private count = 0;

  constructor(private readonly model: string) {}

  observe(route: string, status: number, latencyMs: number): void {
    const key = `${route}\0${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (route !== 'infer') return;
    const seconds = latencyMs / 1000;
    this.sum += seconds;
    this.count += 1;
    for (let i = 0; i < latencyBuckets.length; i++) if (seconds <= latencyBuckets[i]!) this.buckets[i]! += 1;
  }

  text(): string {
    const model = escapeLabel(this.model);
    const lines = ['# HELP orrery_serve_requests_total Requests served, by route and HTTP status.', '# TYPE orrery_serve_requests_total counter'];
    for (const [key, value] of [...this.counts].sort()) {
      const [route, status] = key.split('\0');
      lines.push(`orrery_serve_requests_total{model="${model}",route="${route}",status="${status}"} ${value}`);
    }
    lines.push('# HELP orrery_serve_infer_duration_seconds Latency of infer requests.', '# TYPE orrery_serve_infer_duration_seconds histogram');
    latencyBuckets.forEach((le, i) => lines.push(`orrery_serve_infer_duration_seconds_bucket{model="${model}",le="${le}"} ${this.buckets[i]}`));
    lines.push(`orrery_serve_infer_duration_seconds_bucket{model="${model}",le="+Inf"} ${this.count}`);
    lines.push(`orrery_serve_infer_duration_seconds_sum{model="${model}"} ${this.sum}`, `orrery_serve_infer_duration_seconds_count{model="${model}"} ${this.count}`);
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
