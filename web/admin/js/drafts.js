// Drafts of forms being edited, in sessionStorage: a form marked `data-draft="key"` is saved
// as it is typed and when a call finds the session expired, and filled back in when the
// page draws it again (after signing in, or after a reload of the tab).

const PREFIX = 'dj-draft:';

function fields(form) {
  return Array.from(form.querySelectorAll('input[name], textarea[name], select[name]'))
    .filter((el) => el.type !== 'file' && el.type !== 'password');
}

/** Saves one form's values. */
export function saveDraft(form) {
  const values = {};
  for (const el of fields(form)) {
    const key = el.name;
    const v = el.type === 'checkbox' ? el.checked : el.value;
    if (key.endsWith('[]')) (values[key] = values[key] || []).push(v);
    else values[key] = v;
  }
  sessionStorage.setItem(PREFIX + form.dataset.draft, JSON.stringify(values));
}

/** Saves every draft form on the page. */
export function saveAllDrafts() {
  document.querySelectorAll('form[data-draft]').forEach(saveDraft);
}

/** The saved values of a draft, if any. */
export function loadDraft(key) {
  try { return JSON.parse(sessionStorage.getItem(PREFIX + key) || 'null'); } catch (e) { return null; }
}

/** Fills a form from its saved draft; true when there was one. */
export function restoreDraft(form) {
  const values = loadDraft(form.dataset.draft);
  if (!values) return false;
  const seen = {};
  for (const el of fields(form)) {
    if (!(el.name in values)) continue;
    let v = values[el.name];
    if (el.name.endsWith('[]')) { const i = seen[el.name] || 0; seen[el.name] = i + 1; v = v[i]; }
    if (v === undefined) continue;
    if (el.type === 'checkbox') el.checked = !!v; else el.value = v;
  }
  return true;
}

/** Forgets a draft (after a successful save). */
export function clearDraft(key) { sessionStorage.removeItem(PREFIX + key); }

/** Keeps a form's draft as it is typed. */
export function watchDraft(form) {
  form.addEventListener('input', () => saveDraft(form));
  form.addEventListener('change', () => saveDraft(form));
}
