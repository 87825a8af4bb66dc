// The records the page keeps: a hash-chained list in localStorage. Each record is
// {seq, prev, body, hash}; body is the record's JSON text and hash = SHA-256(prev + "\n" +
// body) in hex (the server checks exactly this: src/kit/chain.rs). Appends run one after
// another, so two quick clicks cannot fork the chain.
(function () {
  'use strict';
  var Kit = window.KitPage;
  var ZERO = new Array(65).join('0');

  function Records(kitId) {
    this.kitId = kitId;
    this.key = 'dianjiao-kit:' + kitId + ':records';
    this.list = [];
    this.queue = Promise.resolve();
    this.saved = true;
    try {
      var text = window.localStorage.getItem(this.key);
      if (text) this.list = JSON.parse(text);
    } catch (e) {
      this.list = [];
    }
  }

  async function sha256(text) {
    var digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return Kit.hex(digest);
  }

  // Appends {kind, ...fields}; resolves to the record with its parsed body as `data`.
  Records.prototype.append = function (kind, fields) {
    var self = this;
    var next = this.queue.then(async function () {
      var seq = self.list.length;
      var prev = seq ? self.list[seq - 1].hash : ZERO;
      var data = Object.assign({ seq: seq, kit: self.kitId, kind: kind }, fields);
      var body = JSON.stringify(data);
      var record = { seq: seq, prev: prev, body: body, hash: await sha256(prev + '\n' + body) };
      self.list.push(record);
      self.save();
      return record;
    });
    this.queue = next.catch(function () {});
    return next;
  };

  Records.prototype.save = function () {
    try {
      window.localStorage.setItem(this.key, JSON.stringify(this.list));
      this.saved = true;
    } catch (e) {
      this.saved = false;
      Kit.warn('记录没能保存到浏览器里（空间不足或浏览器禁止保存）：请立刻点“导出记录”，把文件存到 U 盘上。');
    }
  };

  Records.prototype.each = function (fn) {
    this.list.forEach(function (r) {
      var data;
      try { data = JSON.parse(r.body); } catch (e) { data = {}; }
      fn(r, data);
    });
  };

  // The export file: everything recorded, chain and all.
  Records.prototype.exportText = function () {
    return JSON.stringify({ format: 'dianjiao-field-records/1', kit_id: this.kitId, exported_at: Kit.now(), records: this.list }, null, 1);
  };

  Kit.Records = Records;
})();
