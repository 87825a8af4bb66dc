// Keys-only driving of the TV UI for tests/browser/tv.mjs: read the page's state (never
// touch it: input is keys alone), move the focus to an element with arrow keys, and explore a
// screen's focus graph with arrow keys.

export const WAIT_MS = 20_000;

// ---- page state (read only: input is keys alone) ----
export const screenName = (page) => page.evaluate(() => {
  const s = document.querySelector('#app > .screen');
  return s ? s.getAttribute('data-screen') : null;
});
export const focusState = (page) => page.evaluate(() => {
  const el = document.querySelector('.f.focused');
  if (!el) return { fid: null };
  const r = el.getBoundingClientRect();
  return {
    fid: el.getAttribute('data-fid'), text: el.textContent, active: document.activeElement === el,
    rect: { left: r.left, top: r.top, right: r.right, bottom: r.bottom, cx: r.left + r.width / 2, cy: r.top + r.height / 2 },
    vw: window.innerWidth, vh: window.innerHeight,
  };
});
// The focusable elements of the screen (or its open dialog), by fid.
export const focusables = (page) => page.evaluate(() => {
  const screen = document.querySelector('#app > .screen');
  const modals = screen ? screen.querySelectorAll('.modal') : [];
  const scope = modals.length ? modals[modals.length - 1] : screen;
  if (!scope) return [];
  return Array.from(scope.querySelectorAll('.f')).filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !el.classList.contains('disabled');
  }).map((el) => el.getAttribute('data-fid'));
});
export const rectOf = (page, fid) => page.evaluate((fid) => {
  const el = document.querySelector(`[data-fid="${fid}"]`);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return { cx: r.left + r.width / 2, cy: r.top + r.height / 2 };
}, fid);

export async function waitScreen(page, name) {
  await page.waitForFunction((n) => {
    const s = document.querySelector('#app > .screen');
    return s && s.getAttribute('data-screen') === n && document.querySelector('.f.focused, .screen.player');
  }, name, { timeout: WAIT_MS }).catch(async () => {
    throw new Error(`screen "${name}" did not come (showing: ${await screenName(page)})`);
  });
}

export async function press(page, key) {
  await page.keyboard.press(key);
}

// Moves the focus to `fid` with arrow keys.
export async function moveTo(page, fid) {
  const trail = [];
  for (let i = 0; i < 80; i++) {
    const at = await focusState(page);
    if (at.fid === fid) return;
    trail.push(`${at.fid}@${Math.round(at.rect.cx)},${Math.round(at.rect.cy)}`);
    const to = await rectOf(page, fid);
    if (!to) throw new Error(`no element ${fid} on screen ${await screenName(page)}`);
    const dx = to.cx - at.rect.cx;
    const dy = to.cy - at.rect.cy;
    const h = dx > 0 ? 'ArrowRight' : 'ArrowLeft';
    const v = dy > 0 ? 'ArrowDown' : 'ArrowUp';
    // Rows first (the target's row, then along it); an element seen twice: the other way.
    const seen = trail.filter((t) => t.startsWith(`${at.fid}@`)).length;
    const order = (Math.abs(dy) > 4) === (seen < 2) ? [v, h] : [h, v];
    let moved = false;
    for (const key of order) {
      if ((key === h && Math.abs(dx) < 4) || (key === v && Math.abs(dy) < 4)) continue;
      await press(page, key);
      if ((await focusState(page)).fid !== at.fid) { moved = true; break; }
    }
    if (!moved) throw new Error(`arrows cannot get from ${at.fid} to ${fid} (at ${Math.round(to.cx)},${Math.round(to.cy)})`);
  }
  throw new Error(`arrows did not reach ${fid}: ${trail.slice(-12).join(' ')}`);
}

// Explores the screen's focus graph with arrow keys only: from the nearest element with a
// direction not yet tried, presses it and notes where the focus went. Returns what was
// reached and every moment the focus was lost or outside the viewport.
export async function explore(page, name) {
  const all = await focusables(page);
  const edges = new Map();
  const problems = [];
  let at = await focusState(page);
  if (!at.fid) return { screen: name, total: all.length, reached: 0, missing: all, problems: ['no focus at start'] };
  const reached = new Set([at.fid]);
  const dirs = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'];
  const check = (s, after) => {
    if (!s.fid) { problems.push(`focus lost after ${after}`); return false; }
    const r = s.rect;
    if (r.left < -1 || r.top < -1 || r.right > s.vw + 1 || r.bottom > s.vh + 1) problems.push(`${s.fid} outside the viewport after ${after}: ${JSON.stringify(r)}`);
    return true;
  };
  for (let rounds = 0; rounds < 1500; rounds++) {
    // Shortest known path to an element with an untried direction.
    const prev = new Map([[at.fid, null]]);
    const queue = [at.fid];
    let goal = null;
    while (queue.length && !goal) {
      const n = queue.shift();
      const e = edges.get(n) || {};
      if (dirs.some((d) => !(d in e))) { goal = n; break; }
      for (const d of dirs) if (!prev.has(e[d])) { prev.set(e[d], [n, d]); queue.push(e[d]); }
    }
    if (!goal) break;
    const path = [];
    for (let n = goal; prev.get(n); n = prev.get(n)[0]) path.unshift(prev.get(n)[1]);
    for (const d of path) {
      await press(page, d);
      at = await focusState(page);
      if (!check(at, d)) return { screen: name, problems };
    }
    // Scrolled rows can make the same keys land elsewhere: plan again from here.
    if (at.fid !== goal) continue;
    const e = edges.get(goal) || {};
    const d = dirs.find((x) => !(x in e));
    await press(page, d);
    const now = await focusState(page);
    if (!check(now, `${d} from ${goal}`)) return { screen: name, problems };
    e[d] = now.fid;
    edges.set(goal, e);
    reached.add(now.fid);
    at = now;
  }
  if ((await screenName(page)) !== name) problems.push(`arrow keys left the screen for ${await screenName(page)}`);
  const missing = all.filter((f) => !reached.has(f));
  return { screen: name, total: all.length, reached: reached.size, missing, problems };
}

