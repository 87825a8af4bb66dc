// 工作概览: the monthly matrix, live showings, viewers at unregistered addresses,
// preparation, production tasks, pastoral hours, the ledger checkpoint and, for admins, the
// doctor's checks (系统自检).

import { api, get } from '../api.js';
import { clock, fill, h, table, toast } from '../dom.js';
import { session } from '../session.js';
import { drawPreparation } from './queue.js';

const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);

export async function render(box, args) {
  const year = Number(args[0]) || new Date().getFullYear();
  const yearSel = h('select', { on: { change: (e) => { location.hash = `#/dashboard/${e.target.value}`; } } },
    [year + 1, year, year - 1, year - 2].map((y) => h('option', { value: y, selected: y === year, text: `${y} 年` })));
  const matrix = h('div', { class: 'card wide' }, h('p', { class: 'muted', text: '加载中…' }));
  const live = h('div', { class: 'card' });
  const strangers = h('div', { class: 'card', id: 'unregistered' });
  const prep = h('div', { class: 'card' });
  const yearly = h('div', { class: 'card' });
  const ledger = h('div', { class: 'card' });
  // The checks are the admin's (GET /api/v1/doctor is admin only).
  const doctor = session.role === 'admin' ? h('div', { class: 'card wide doctor', id: 'doctor' }) : null;
  fill(box,
    h('div', { class: 'row' }, h('h1', { text: '工作概览' }), yearSel),
    h('div', { class: 'grid' }, matrix, live, strangers, prep, yearly, ledger, doctor));
  await Promise.all([
    drawMatrix(matrix, year), drawLive(live), drawUnregistered(strangers), drawPreparation(prep),
    drawYearly(yearly, year), drawLedger(ledger), doctor ? drawDoctor(doctor) : null,
  ]);
}

function failed(card, title, e) {
  fill(card, h('h2', { text: title }), h('p', { class: 'error', text: e.message }));
}

async function drawMatrix(card, year) {
  let m;
  try { m = await get(`/api/v1/reports/monthly?year=${year}`); } catch (e) { return failed(card, '月查：各播放点每月收看', e); }
  const now = new Date();
  const future = (month) => year > now.getFullYear() || (year === now.getFullYear() && month > now.getMonth() + 1);
  const rows = (m.rows || []).map((r) => {
    const st = r.station;
    const cells = MONTHS.map((month) => {
      const c = (r.months || []).find((x) => x.month === month) || { showings: 0 };
      const thisMonth = year === now.getFullYear() && month === now.getMonth() + 1;
      let cls = c.below_floor ? 'below' : 'ok';
      if (future(month)) cls = 'future';
      else if (c.not_applicable) cls = 'future';
      else if (thisMonth && !c.showings) cls = 'pending';
      const tip = c.not_applicable ? `${st.name} ${month} 月：尚未建站，不计入达标` : `${st.name} ${month} 月：放映 ${c.showings} 场，${c.attendees || 0} 人次` +
        (c.participation_rate != null ? `，参与率 ${Math.round(c.participation_rate * 100)}%` : '') +
        `，信息 ${c.info_reports || 0} 条 — 点击查看登记薄`;
      return {
        class: `m ${cls}`, title: tip, text: future(month) ? '' : (c.not_applicable ? '—' : c.showings),
        'data-station': st.id, 'data-month': month,
        on: { click: () => { location.hash = `#/register/${st.id}/${year}/${month}`; } },
      };
    });
    return [
      h('span', {}, st.name, h('span', { class: 'muted', text: ` ${st.code}` }), st.retired ? h('span', { class: 'muted', text: '（已撤销）' }) : null),
      { class: 'num', text: r.roster },
      ...cells,
      { class: 'num', text: r.year ? r.year.showings : '' },
      { class: r.months_below_floor ? 'num error' : 'num', text: r.months_below_floor },
    ];
  });
  fill(card,
    h('h2', { text: `月查：${year} 年各播放点每月放映场次` }),
    h('p', { class: 'legend hint' }, '每月至少放映 1 场（全年 12 场）。 ',
      h('span', { class: 'ok', text: '达标' }), h('span', { class: 'below', text: '未达标' }), h('span', { class: 'pending', text: '本月尚未放映' }), h('span', { class: 'future', text: '未到 / 未建站（—）' }),
      ' 点击格子查看该站当月登记薄。'),
    table(['播放点', { class: 'num', text: '党员' }, ...MONTHS.map((x) => ({ class: 'num', text: `${x}月` })), { class: 'num', text: '全年' }, { class: 'num', text: '未达标月' }],
      rows, { class: 'matrix', empty: '还没有播放点。请到“播放点”页面添加。' }));
}

async function drawLive(card) {
  try {
    const [plays, stations] = await Promise.all([get('/api/v1/plays?active=true'), get('/api/v1/stations')]);
    const names = new Map((stations.items || []).map((s) => [s.id, s.name]));
    const rows = (plays.items || []).map((p) => {
      const pct = p.duration_s ? Math.min(100, (100 * p.position_s) / p.duration_s) : 0;
      const bar = h('div', { class: 'bar' }, h('div', { style: `width:${pct.toFixed(1)}%` }));
      return [names.get(p.station_id) || p.client || '未登记的电视', p.film_title,
        h('div', {}, bar, h('span', { class: 'muted', text: `${clock(p.position_s)} / ${clock(p.duration_s)}` })),
        { class: 'num', text: p.signins }];
    });
    fill(card, h('h2', { text: `正在播放（${rows.length}）` }),
      table(['播放点', '影片', '进度', { class: 'num', text: '签到' }], rows, { empty: '现在没有播放点在放映。' }));
  } catch (e) { failed(card, '正在播放', e); }
}

// Plays at addresses no station registered make no record (only stations do); the office
// sees who watched and registers the address to its village in one click.
async function drawUnregistered(card) {
  try {
    const [seen, stations] = await Promise.all([get('/api/v1/plays/unregistered'), get('/api/v1/stations')]);
    const active = (stations.items || []).filter((st) => !st.retired);
    const rows = (seen.items || []).map((v) => {
      const pick = h('select', { 'aria-label': `${v.address} 所属播放点` },
        h('option', { value: '', text: '选择播放点…' }),
        active.map((st) => h('option', { value: st.id, text: `${st.name}（${st.code}）` })));
      const go = h('button', { type: 'button', text: '登记', 'data-address': v.address, on: { click: async () => {
        if (!pick.value) { toast('请先选择这台设备所在的播放点。'); return; }
        try {
          await api('POST', `/api/v1/stations/${pick.value}/addresses`, { address: v.address });
          toast(`已把 ${v.address} 登记到 ${pick.selectedOptions[0].text}，以后它的播放计入该站台账。`);
          await drawUnregistered(card);
        } catch (e) { toast(e.message); }
      } } });
      return [v.address, { class: 'num', text: v.plays }, { class: 'num', text: Math.round(v.watched_s / 60) },
        v.last_film_title, new Date(v.last_seen).toLocaleString('zh-CN', { hour12: false }), h('span', { class: 'row' }, pick, go)];
    });
    fill(card, h('h2', { text: `未登记的观看设备（${rows.length}）` }),
      h('p', { class: 'hint', text: '这些地址的播放不计入台账。若是某村的电视（如不能配对的 DLNA 电视），选择它的播放点并点“登记”。' }),
      table(['地址', { class: 'num', text: '播放次数' }, { class: 'num', text: '分钟' }, '最近影片', '最近时间', '登记到播放点'], rows,
        { empty: '没有未登记的设备在观看。' }));
  } catch (e) { failed(card, '未登记的观看设备', e); }
}

async function drawYearly(card, year) {
  let y;
  try { y = await get(`/api/v1/reports/yearly?year=${year}`); } catch (e) { return failed(card, '年度任务', e); }
  const kinds = [['party_news', '党建新闻'], ['feature', '专题片']];
  const rows = (y.productions || []).map((p) => [p.township, ...kinds.map(([k]) => {
    const d = p[k];
    return d ? h('span', { class: d.on_time ? 'ok-text' : 'error', text: `✔ ${d.film_title}（${d.date}）` }) : h('span', { class: 'error', text: '未完成' });
  })]);
  const hours = Number(y.pastoral_hours || 0);
  const target = Number(y.pastoral_target || 30);
  fill(card,
    h('h2', { text: `${year} 年度任务` }),
    h('h3', { text: '本地制作（每年 1 条党建新闻、1 部专题片，12 月底前）' }),
    table(['乡镇', '党建新闻', '专题片'], rows, { empty: '尚无记录。' }),
    h('h3', { text: '牧区教学放映' }),
    h('p', { class: 'hint', text: '含登记的牧区教学放映、牧区放映包带回的放映和授课（离线记录）。' }),
    h('div', { class: 'row' },
      h('div', { class: 'bar big', style: 'flex:1' }, h('div', { style: `width:${Math.min(100, (100 * hours) / target)}%` })),
      h('span', { id: 'pastoral-hours', class: y.pastoral_met ? 'ok-text' : 'error', text: `${hours.toFixed(1)} / ${target} 小时` })));
}

async function drawLedger(card) {
  try {
    const note = await get('/api/v1/ledger/checkpoint');
    const lines = String(note).split('\n');
    fill(card,
      h('h2', { text: '台账检查点' }),
      h('p', { class: 'hint', text: `台账共 ${lines[1] || '?'} 条记录，已签名。县里可用它核对以后的导出没有被改动。` }),
      h('div', { class: 'pre', text: note }),
      h('p', {}, h('a', { href: '#/downloads', text: '导出台账 →' })));
  } catch (e) { failed(card, '台账检查点', e); }
}

const DOCTOR_WORDS = { ok: '正常', warn: '注意', action: '需处理' };

// 系统自检: `dianjiao doctor`'s checks, each a coloured word and its summary; the technical
// detail opens on demand. The card stays last while all is well and moves first when
// something needs action. The checks start a worker and read the whole ledger: a few seconds.
async function drawDoctor(card) {
  fill(card, h('h2', { text: '系统自检' }), h('p', { class: 'muted', text: '正在检查…' }));
  let report;
  try { report = await get('/api/v1/doctor'); } catch (e) { return failed(card, '系统自检', e); }
  const rows = (report.checks || []).map((c) => {
    const detail = h('div', { class: 'pre', hidden: true, text: c.detail });
    const more = h('button', { type: 'button', class: 'link', text: '详情', on: { click: () => {
      detail.hidden = !detail.hidden;
      more.textContent = detail.hidden ? '详情' : '收起';
    } } });
    return h('li', { 'data-check': c.id, 'data-status': c.status },
      h('span', { class: `state ${c.status}`, text: DOCTOR_WORDS[c.status] || c.status }), ' ',
      h('span', { class: 'summary', text: c.summary }), ' ', more, detail);
  });
  const again = h('button', { type: 'button', text: '重新检查', on: { click: () => drawDoctor(card) } });
  const verdict = report.needs_action
    ? h('span', { class: 'error', text: `${report.needs_action} 项需要处理，见下面标“需处理”的行。` })
    : h('span', { class: 'ok-text', text: '全部正常，无需处理。' });
  fill(card, h('div', { class: 'row' }, h('h2', { text: '系统自检' }), verdict, again),
    h('ul', { class: 'checks' }, rows));
  if (report.needs_action && card.parentNode) card.parentNode.prepend(card);
}
