/**
 * A one-line progress bar on stderr for long imports and exports, drawn only when stderr is a
 * terminal (never into logs or pipes) and at most five times a second.
 */
export class Progress {
  private rows = 0;
  private bytes = 0;
  private last = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly totalBytes: number | null,
    private readonly out: NodeJS.WriteStream = process.stderr,
    /** What the count counts: rows, or bytes (shown in MB) for work without rows, such as a backup's file. */
    private readonly unit: 'rows' | 'bytes' = 'rows',
  ) {
    this.enabled = out.isTTY;
  }

  update(rows: number, bytes?: number): void {
    this.rows = rows;
    if (bytes !== undefined) this.bytes = bytes;
    const now = Date.now();
    if (!this.enabled || now - this.last < 200) return;
    this.last = now;
    this.draw();
  }

  private draw(): void {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const mb = (n: number) => (n / 1024 ** 2).toLocaleString('en', { maximumFractionDigits: 1 });
    const amount = this.unit === 'rows' ? `${this.rows.toLocaleString('en')} rows, ${Math.round(this.rows / seconds).toLocaleString('en')}/s` : `${mb(this.rows)} MB, ${mb(this.rows / seconds)} MB/s`;
    let bar = '';
    if (this.totalBytes) {
      const share = Math.min(1, this.bytes / this.totalBytes);
      const width = 24;
      const done = Math.round(share * width);
      bar = `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(share * 100).toFixed(0).padStart(3)}% `;
    }
    this.out.write(`\r${this.label} ${bar}${amount}\x1b[K`);
  }

  done(): void {
    if (!this.enabled) return;
    this.draw();
    this.out.write('\n');
  }
}
