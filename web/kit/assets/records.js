// The records the page keeps: a hash-chained list in localStorage. Each record is
// {seq, prev, body, hash}; body is the record's JSON text and hash = SHA-256(prev + "\n" +
// body) in hex (the server checks exactly this: src/kit/chain.rs). Appends run one after
// another, so two quick clicks cannot fork the chain.
(() => {
  'use strict';
  const Kit = window.KitPage;
  const ZERO = new Array(65).join('0');

  async function sha256(text) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return Kit.hex(digest);
  }

  class Records {
    constructor(kitId) {
      this.kitId = kitId;
      this.key = `dianjiao-kit:${kitId}:records`;
      this.list = [];
      this.queue = Promise.resolve();
      this.saved = true;
      try {
        const text = window.localStorage.getItem(this.key);
        if (text) this.list = JSON.parse(text);
      } catch (e) {
        this.list = [];
      }
    }

    // Appends {kind, ...fields}; resolves to the record with its parsed body as `data`.
    append(kind, fields) {
      const next = this.queue.then(async () => {
        const seq = this.list.length;
        const prev = seq ? this.list[seq - 1].hash : ZERO;
        const data = Object.assign({ seq, kit: this.kitId, kind }, fields);
        const body = JSON.stringify(data);
        const record = { seq, prev, body, hash: await sha256(`${prev}\n${body}`) };
        this.list.push(record);
        this.save();
        return record;
      });
      this.queue = next.catch(() => {});
      return next;
    }

    save() {
      try {
        window.localStorage.setItem(this.key, JSON.stringify(this.list));
        this.saved = true;
      } catch (e) {
        this.saved = false;
        Kit.warn('记录没能保存到浏览器里（空间不足或浏览器禁止保存）：请立刻点“导出记录”，把文件存到 U 盘上。');
      }
    }

    each(fn) {
      this.list.forEach((r) => {
        let data;
        try { data = JSON.parse(r.body); } catch (e) { data = {}; }
        fn(r, data);
      });
    }

    // The export file: everything recorded, chain and all.
    exportText() {
      return JSON.stringify({ format: 'dianjiao-field-records/1', kit_id: this.kitId, exported_at: Kit.now(), records: this.list }, null, 1);
    }
  }

  Kit.Records = Records;
})();
