/**
 * Bounded ring of numeric rows (time first), stored column-wise in typed arrays. Storage starts small and
 * doubles up to `capacity`, so thousands of young rings cost little.
 */
export class Ring {
  readonly capacity: number;
  #columns: Float64Array[];
  #size: number;
  #start = 0;
  #length = 0;

  constructor(capacity: number, width: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.#size = Math.min(this.capacity, 16);
    this.#columns = Array.from({ length: width }, () => new Float64Array(this.#size));
  }

  get length(): number {
    return this.#length;
  }

  push(...values: number[]): void {
    if (this.#length === this.#size && this.#size < this.capacity) this.#grow();
    const at = (this.#start + this.#length) % this.#size;
    for (let c = 0; c < this.#columns.length; c++) this.#columns[c]![at] = values[c] ?? Number.NaN;
    if (this.#length < this.#size) this.#length++;
    else this.#start = (this.#start + 1) % this.#size;
  }

  #grow(): void {
    const size = Math.min(this.capacity, this.#size * 2);
    this.#columns = this.#columns.map((column) => {
      const next = new Float64Array(size);
      for (let i = 0; i < this.#length; i++) next[i] = column[(this.#start + i) % this.#size]!;
      return next;
    });
    this.#start = 0;
    this.#size = size;
  }

  /** Row i, oldest first. */
  row(i: number): number[] {
    const at = (this.#start + i) % this.#size;
    return this.#columns.map((column) => column[at]!);
  }

  get(i: number, column: number): number {
    return this.#columns[column]![(this.#start + i) % this.#size]!;
  }

  last(column: number): number | undefined {
    return this.#length ? this.get(this.#length - 1, column) : undefined;
  }

  /** Rows whose first column (time) is > since, oldest first. */
  since(since: number): number[][] {
    const rows: number[][] = [];
    for (let i = this.firstAfter(since); i < this.#length; i++) rows.push(this.row(i));
    return rows;
  }

  /** Index of the first row with time > since (rows are in time order). */
  firstAfter(since: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.get(mid, 0) > since) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  clear(): void {
    this.#start = 0;
    this.#length = 0;
  }
}
