// The field kit's page: the film list, the player with prep notes and cue prompts, sign-in
// from the roster, discussion notes, the teaching-session timer, what has been recorded, and
// "导出记录". Everything the page knows comes from kit/data.js (window.KIT).
(() => {
  'use strict';
  const Kit = window.KitPage;
  const $ = Kit.$;
  const el = Kit.el;
  let kit;
  let records;
  let showings;
  let session = null;
  let timer = null;

  const filmById = (id) => kit.films.filter((f) => f.id === id)[0];
  const memberById = (id) => kit.members.filter((m) => m.id === id)[0];

  function describe(d) {
    if (d.kind === 'showing') {
      const f = filmById(d.film_id);
      return `放映《${f ? f.title : d.film_id}》，播放 ${Math.floor(d.watched_s / 60)} 分 ${d.watched_s % 60} 秒`;
    }
    if (d.kind === 'signin') { const m = memberById(d.member_id); return `签到：${m ? m.name : d.member_id}`; }
    if (d.kind === 'discussion') return `讨论：${d.text}`;
    if (d.kind === 'session') {
      const mins = Math.round((new Date(d.ended_at) - new Date(d.started_at)) / 60000);
      return `授课 ${mins} 分钟${d.topic ? `：${d.topic}` : ''}`;
    }
    return d.kind;
  }

  function drawRecords() {
    const body = $('records').tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    records.each((r, d) => {
      const at = d.at || d.started_at || '';
      const row = el('tr', [el('td', String(r.seq + 1)), el('td', at ? Kit.local(at) : ''), el('td', describe(d))]);
      row.setAttribute('data-kind', d.kind || '');
      body.appendChild(row);
    });
  }

  function drawRoster() {
    const box = $('roster');
    while (box.firstChild) box.removeChild(box.firstChild);
    const current = showings.last;
    const signed = {};
    if (current) {
      records.each((r, d) => { if (d.kind === 'signin' && d.showing === current.id) signed[d.member_id] = true; });
    }
    $('signin-for').textContent = current ? `为《${current.film.title}》签到` : '请先放映影片，再为这场放映签到。';
    kit.members.forEach((m) => {
      const b = el('button', `${m.name}（${m.member_no}）`);
      b.type = 'button';
      b.setAttribute('data-member', m.id);
      b.disabled = !current || !!signed[m.id];
      if (signed[m.id]) b.className = 'signed';
      b.addEventListener('click', () => {
        b.disabled = true;
        records.append('signin', { showing: current.id, member_id: m.id, at: Kit.now() }).then(refresh);
      });
      box.appendChild(b);
    });
  }

  function refresh() { drawRecords(); drawRoster(); drawShowing(); }

  function drawShowing() {
    const open = showings.open;
    $('end-showing').disabled = !open;
    $('showing-state').textContent = open ? `正在放映，开始于 ${Kit.local(open.started_at)}` : '';
    $('save-discussion').disabled = !showings.last;
  }

  function openFilm(film) {
    if (session) { Kit.warn('正在授课：请先结束授课，再放映影片。'); return; }
    showings.film = film;
    $('player-section').hidden = false;
    $('player-title').textContent = film.title;
    $('prep').hidden = !film.prep_notes;
    $('prep-notes').textContent = film.prep_notes || '';
    $('cue').hidden = true;
    const video = $('video');
    video.src = film.file;
    if (film.poster) video.poster = film.poster;
    video.scrollIntoView();
  }

  function drawFilms() {
    const box = $('films');
    kit.films.forEach((f) => {
      const length = f.duration_s >= 60 ? `${Math.round(f.duration_s / 60)} 分钟` : `${f.duration_s} 秒`;
      const card = el('button.film', [el('div.title', f.title), el('div.state', length)]);
      card.type = 'button';
      card.setAttribute('data-film', f.id);
      if (f.poster) { const img = el('img'); img.src = f.poster; img.alt = ''; card.insertBefore(img, card.firstChild); }
      card.addEventListener('click', () => { openFilm(f); });
      box.appendChild(card);
    });
  }

  function wirePlayer() {
    const video = $('video');
    video.addEventListener('timeupdate', () => {
      const film = showings.film;
      if (!film) return;
      const wasOpen = !!showings.open;
      showings.tick(video, film);
      if (!wasOpen && showings.open) refresh();
      const cue = Kit.Showings.cueAt(film, video.currentTime);
      $('cue').hidden = !cue;
      $('cue').textContent = cue ? `提示：${cue.text}` : '';
    });
    video.addEventListener('ended', () => { showings.end().then(refresh); });
    $('end-showing').addEventListener('click', () => { video.pause(); showings.end().then(refresh); });
    $('close-player').addEventListener('click', () => {
      video.pause();
      showings.end().then(() => { $('player-section').hidden = true; refresh(); });
    });
  }

  function wireNotes() {
    $('save-discussion').addEventListener('click', () => {
      const text = $('discussion-text').value.trim();
      if (!text || !showings.last) return;
      records.append('discussion', { showing: showings.last.id, text, at: Kit.now() }).then(() => {
        $('discussion-text').value = '';
        refresh();
      });
    });
  }

  function wireSession() {
    const key = `dianjiao-kit:${kit.kit_id}:session`;
    function tick() { if (session) $('session-clock').textContent = Kit.clock((Date.now() - new Date(session.started_at)) / 1000); }
    function draw() {
      $('start-session').disabled = !!session;
      $('end-session').disabled = !session;
      if (!session) $('session-clock').textContent = '';
    }
    $('start-session').addEventListener('click', () => {
      if (showings.open) { Kit.warn('正在放映：请先结束放映，再开始授课。'); return; }
      session = { started_at: Kit.now(), topic: $('session-topic').value.trim() };
      try { window.localStorage.setItem(key, JSON.stringify(session)); } catch (e) { /* warned at start */ }
      timer = setInterval(tick, 1000);
      draw();
      tick();
    });
    $('end-session').addEventListener('click', () => {
      const s = session;
      session = null;
      clearInterval(timer);
      try { window.localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
      draw();
      records.append('session', { started_at: s.started_at, ended_at: Kit.now(), topic: s.topic || $('session-topic').value.trim() }).then(refresh);
    });
    try { session = JSON.parse(window.localStorage.getItem(key) || 'null'); } catch (e) { session = null; }
    if (session) timer = setInterval(tick, 1000);
    draw();
  }

  function wireExport() {
    $('export').addEventListener('click', () => {
      records.queue.then(() => {
        const day = Kit.local(Kit.now()).slice(0, 10).replace(/-/g, '');
        const blob = new Blob([records.exportText()], { type: 'application/json' });
        const a = el('a');
        a.href = URL.createObjectURL(blob);
        a.download = `记录-${kit.kit_id}-${day}.json`;
        document.body.appendChild(a);
        a.click();
        document.body.removeChild(a);
        $('export-state').textContent = `已导出 ${records.list.length} 条记录：请把文件存在 U 盘上，带回乡里导入。`;
      });
    });
  }

  async function checks() {
    if (!Kit.storageWorks()) Kit.warn('此浏览器不能保存记录（可能是无痕模式或禁止了网站数据）：放映记录会在关闭页面后丢失。请换用普通窗口打开，或每场放映后立刻“导出记录”。');
    if (!Kit.hasCrypto()) { Kit.warn('此浏览器太旧，无法生成记录的校验值：请用新版 Chrome、Edge 或 360 浏览器打开此页。'); return false; }
    const sig = await Kit.checkSignature(window.KIT.manifest, kit.public_key, window.KIT.signature);
    if (sig === 'bad') Kit.warn('放映包的片单或有效期被改动过：导入时以乡里服务器的记录为准。');
    if (sig === 'unsupported') Kit.warn('此浏览器无法核对放映包的签名（不影响放映和记录）。', 'note');
    const now = new Date();
    if (now > new Date(kit.valid_to)) Kit.warn(`放映包已过有效期（${Kit.local(kit.valid_to)}）：新的记录带回后不会被接受，请到乡里制作新的放映包。`);
    if (now < new Date(kit.valid_from)) Kit.warn('电脑的日期不对（早于放映包的制作时间）：请先把电脑的日期和时间调对。');
    return true;
  }

  async function main() {
    kit = JSON.parse(window.KIT.manifest);
    document.title = `电教放映包 · ${kit.station_name}`;
    $('kit-info').textContent = `${kit.township} · ${kit.station_name}（${kit.station_code}） · 有效期至 ${Kit.local(kit.valid_to)} · ${kit.films.length} 部影片`;
    records = new Kit.Records(kit.kit_id);
    showings = new Kit.Showings(kit, records, refresh);
    window.KitPage.state = { records, showings };
    drawFilms();
    wirePlayer();
    wireNotes();
    wireSession();
    wireExport();
    if (await checks()) await showings.recover();
    refresh();
    document.body.setAttribute('data-ready', '1');
  }

  main().catch((e) => { Kit.warn(`页面出错：${e.message}`); });
})();
