// 账号管理 (admins): office accounts, adding clerks, resetting passwords.

import { api, get } from '../api.js';
import { fill, h, table, toast } from '../dom.js';

export async function render(box) {
  const list = h('div', { class: 'card' });
  const name = h('input', { name: 'name', required: true, placeholder: '如 wangli' });
  const password = h('input', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const role = h('select', { name: 'role' }, h('option', { value: 'clerk', text: '办事员' }), h('option', { value: 'admin', text: '管理员' }));
  const error = h('p', { class: 'error' });
  const form = h('form', { class: 'card' }, h('h2', { text: '添加账号' }),
    h('div', { class: 'row' }, h('label', {}, '用户名', name), h('label', {}, '初始密码（至少 8 位）', password), h('label', {}, '角色', role),
      h('button', { type: 'submit', class: 'primary', text: '添加' })), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api('POST', '/api/v1/users', { name: name.value.trim(), password: password.value, role: role.value });
      toast(`已添加账号 ${name.value.trim()}`);
      form.reset();
      draw(list);
    } catch (err) { error.textContent = err.message; }
  });
  fill(box, h('h1', { text: '账号管理' }), form, list);
  await draw(list);
}

async function draw(card) {
  const users = await get('/api/v1/users');
  const rows = users.items.map((u) => {
    const pw = h('input', { type: 'password', placeholder: '新密码（至少 8 位）', autocomplete: 'new-password', size: 18 });
    const reset = h('button', { type: 'button', text: '重设密码' });
    reset.addEventListener('click', async () => {
      try {
        await api('POST', `/api/v1/users/${encodeURIComponent(u.name)}/password`, { password: pw.value });
        pw.value = '';
        toast(`${u.name} 的密码已重设，他已登录的地方都需要重新登录`);
      } catch (e) { toast(e.message); }
    });
    return [u.name, u.role === 'admin' ? '管理员' : '办事员', new Date(u.created_at * 1000).toLocaleDateString('zh-CN'), h('div', { class: 'row' }, pw, reset)];
  });
  fill(card, h('h2', { text: '现有账号' }), table(['用户名', '角色', '建立日期', '重设密码'], rows));
}
