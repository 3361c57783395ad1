/*
 * Primary view: a shared list in node.collection('items') (last-write-wins), shown through a live
 * query, which follows local, synced and other tabs' writes. Every item carries its
 * last writer and write time, so the winner of a conflict is visible; when a remote change
 * overwrites an item this tab wrote less than a second earlier, the row is highlighted.
 */
import type { Collection, CollectionChange } from 'sluice';
import { el } from './dom.ts';

export interface Item {
  title: string;
  done: boolean;
  by: string;
  at: number;
  rev: number;
  [k: string]: string | number | boolean;
}

const CONFLICT_WINDOW_MS = 1_000;
const HIGHLIGHT_MS = 4_000;

export class ItemsView {
  private collection: Collection<Item> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopQuery: (() => void) | undefined;
  /** The live query's latest result, in key order. */
  private items: readonly { key: string; value: Item }[] | null = null;
  private readonly rows = new Map<string, HTMLLIElement>();
  private readonly localWrites = new Map<string, number>();
  private readonly overwritten = new Map<string, { by: string; until: number }>();
  private conflicts = 0;
  private renderQueued = false;
  private readonly list: HTMLUListElement;
  private readonly input: HTMLInputElement;
  private readonly conflictCount: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly me: string,
  ) {
    this.input = el('input', { type: 'text', placeholder: 'New item…', 'data-testid': 'add-input', maxlength: '200' });
    const form = el('form', { class: 'add', 'data-testid': 'add-form' }, [this.input, el('button', { type: 'submit', 'data-testid': 'add-button' }, ['Add'])]);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const title = this.input.value.trim();
      if (!title) return;
      this.input.value = '';
      void this.add(title);
    });
    this.list = el('ul', { class: 'items', 'data-testid': 'item-list' });
    this.empty = el('p', { class: 'muted', 'data-testid': 'item-empty' }, ['No items yet: add one, then open this page in a second tab.']);
    this.conflictCount = el('span', { 'data-testid': 'conflict-count' }, ['0']);
    root.append(form, this.list, this.empty, el('p', { class: 'muted' }, ['Remote overwrites of this tab’s fresh edits: ', this.conflictCount]));
  }

  /** Points the view at a (new) node's collection. */
  attach(collection: Collection<Item>): void {
    this.detach();
    this.collection = collection;
    // Origins (for conflict highlights) come from change events; the list from the live query.
    this.unsubscribe = collection.subscribe((changes) => this.onChanges(changes));
    this.stopQuery = collection.query().subscribe((result) => {
      this.items = result.documents;
      this.queueRender();
    });
  }

  detach(): void {
    this.unsubscribe?.();
    this.stopQuery?.();
    this.unsubscribe = undefined;
    this.stopQuery = undefined;
    this.items = null;
    this.collection = undefined;
  }

  private async add(title: string): Promise<void> {
    const key = `i-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    await this.write(key, { title, done: false, by: this.me, at: Date.now(), rev: 1 });
  }

  private async write(key: string, value: Item | undefined): Promise<void> {
    const c = this.collection;
    if (!c) return;
    this.localWrites.set(key, Date.now());
    if (value === undefined) await c.delete(key);
    else await c.put(key, value);
  }

  private async update(key: string, patch: Partial<Item>): Promise<void> {
    const current = await this.collection?.get(key);
    if (!current) return;
    await this.write(key, { ...current, ...patch, by: this.me, at: Date.now(), rev: (current.rev ?? 0) + 1 } as Item);
  }

  private onChanges(changes: CollectionChange[]): void {
    const now = Date.now();
    for (const c of changes) {
      if (c.origin !== 'remote') continue;
      const wroteAt = this.localWrites.get(c.key);
      const by = (c.value as Partial<Item> | undefined)?.by;
      if (wroteAt !== undefined && now - wroteAt < CONFLICT_WINDOW_MS && by !== this.me) {
        this.conflicts++;
        this.overwritten.set(c.key, { by: by ?? 'a deletion', until: now + HIGHLIGHT_MS });
        setTimeout(() => this.queueRender(), HIGHLIGHT_MS + 50);
      }
    }
    this.queueRender();
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const items = this.items;
    if (!items) return;
    const seen = new Set<string>();
    const now = Date.now();
    for (const { key, value } of items) {
      seen.add(key);
      let row = this.rows.get(key);
      if (!row) {
        row = this.createRow(key);
        this.rows.set(key, row);
      }
      this.list.append(row); // keeps key order
      this.fill(row, key, value, now);
    }
    for (const [key, row] of this.rows) {
      if (!seen.has(key)) {
        row.remove();
        this.rows.delete(key);
      }
    }
    this.empty.hidden = items.length > 0;
    this.conflictCount.textContent = String(this.conflicts);
  }

  private createRow(key: string): HTMLLIElement {
    const toggle = el('input', { type: 'checkbox', 'data-testid': 'item-toggle', 'aria-label': 'done' });
    toggle.addEventListener('change', () => void this.update(key, { done: toggle.checked }));
    const title = el('input', { type: 'text', class: 'title', 'data-testid': 'item-title', 'aria-label': 'title' });
    const save = () => {
      const t = title.value.trim();
      if (t && t !== title.dataset.value) void this.update(key, { title: t });
    };
    title.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        save();
        title.blur();
      }
    });
    title.addEventListener('change', save);
    const del = el('button', { type: 'button', 'data-testid': 'item-delete', title: 'delete' }, ['✕']);
    del.addEventListener('click', () => void this.write(key, undefined));
    const meta = el('small', { class: 'meta', 'data-testid': 'item-meta' });
    const note = el('small', { class: 'note', 'data-testid': 'item-conflict' });
    return el('li', { 'data-testid': 'item-row', 'data-key': key }, [toggle, title, del, meta, note]);
  }

  private fill(row: HTMLLIElement, key: string, value: Item, now: number): void {
    const [toggle, title, , meta, note] = row.children as unknown as [HTMLInputElement, HTMLInputElement, HTMLButtonElement, HTMLElement, HTMLElement];
    toggle.checked = Boolean(value.done);
    title.dataset.value = String(value.title ?? '');
    if (document.activeElement !== title) title.value = String(value.title ?? '');
    row.classList.toggle('done', Boolean(value.done));
    row.dataset.by = String(value.by ?? '');
    meta.textContent = `rev ${value.rev ?? '?'} · by ${value.by === this.me ? `${value.by} (this tab)` : String(value.by ?? '?')} · ${new Date(Number(value.at) || 0).toLocaleTimeString()}`;
    const o = this.overwritten.get(key);
    const active = o !== undefined && o.until > now;
    if (o && !active) this.overwritten.delete(key);
    row.classList.toggle('conflict', active);
    row.dataset.conflict = active ? 'true' : 'false';
    note.textContent = active ? `your edit lost to ${o.by}` : '';
  }
}
