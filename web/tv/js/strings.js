// Every piece of text the TV screen shows, in one place (Chinese, for village broadcasters).
// `{name}` marks a value filled in by TV.t(key, values).
window.TV = window.TV || {};
TV.STR = {
  app_name: '党员电教播放',
  loading: '正在加载…',
  back_hint: '按“返回”键回到上一页',
  ok: '确定',
  retry: '重试',
  go_back: '返回',
  go_home: '回到首页',

  // Pairing
  pair_title: '连接本村电教室',
  pair_intro: '请输入乡电教站提供的 6 位配对码',
  pair_hint: '用遥控器的方向键选数字、按“确定”输入，也可以直接按遥控器上的数字键。',
  pair_delete: '删除',
  pair_submit: '配对',
  pair_need_six: '配对码是 6 位数字，请输完再按“配对”。',
  pair_working: '正在配对…',
  pair_wrong: '配对码不对或已过期，请核对后重新输入。',
  pair_throttled: '输错次数太多，请等 {min} 分钟后再试。',
  pair_done: '配对成功：{station}',

  // Home
  home_station: '{station}',
  home_unpaired: '本机尚未配对',
  home_search: '搜索影片',
  row_continue: '继续观看',
  row_theme: '本月主题：{theme}',
  row_theme_none: '本月主题',
  row_local: '本地新片',
  row_required: '本季度必看（播放计划）',
  row_series: '{series}',
  row_other: '其他影片',
  row_empty_continue: '还没有看到一半的影片。',
  row_empty_required: '本季度的播放计划还没有制定，请与乡电教站联系。',
  row_empty_theme: '本月主题暂无影片。',
  row_empty_local: '暂无本地制作的影片。',
  library_empty: '片库里还没有影片，请乡电教站添加影片后再看。',
  resume_at: '看到 {time}',
  episode: '第 {n} 集',

  // Film states
  state_ready: '可以播放',
  state_queued: '排队准备中，可边准备边播放',
  state_preparing: '正在准备，可边准备边播放',
  state_preparing_eta: '正在准备，约 {min} 分钟完成，可边准备边播放',
  state_failed: '这部影片无法播放：{reason}',
  state_rejected: '这不是可播放的影片：{reason}',
  state_unknown_reason: '原因不明，请联系乡电教站',

  // Series page
  series_count: '共 {n} 集',
  series_empty: '这个系列暂时没有影片。',

  // Film page
  film_play: '播放',
  film_resume: '从 {time} 继续播放',
  film_restart: '从头播放',
  film_series_btn: '本系列全部影片',
  film_duration: '时长 {time}',
  film_prep_title: '播前备课',
  film_prep_none: '本片没有备课提示。',
  film_summary_none: '暂无简介。',
  film_cues: '播放中有 {n} 处提示',
  film_not_found: '找不到这部影片，可能已从片库中移除。',

  // Search
  search_title: '搜索影片',
  search_hint: '输入片名拼音的首字母，例如“党章电视教材”输入 DZDS',
  search_placeholder: '请选择字母',
  search_delete: '删除',
  search_clear: '清空',
  search_space: '空格',
  search_results: '找到 {n} 部影片',
  search_none: '没有找到，请换几个字母试试。',
  search_start: '选好字母后，结果会显示在这里。',
  search_pick: '按右键移到结果，按“确定”打开影片。',

  // Player
  player_paused: '已暂停',
  player_cue: '播中提示',
  player_stop_title: '要停止播放吗？',
  player_stop_text: '停止后进入签到和讨论。',
  player_keep: '继续观看',
  player_stop: '停止播放',
  player_busy_title: '正在准备',
  player_busy: '正在准备，约 {min} 分钟',
  player_busy_text: '服务器正在为其他村转码影片，请稍候再播放。{sec} 秒后自动重试。',
  player_error: '播放出错了：{detail}',
  player_no_source: '这部影片还不能播放。',
  player_reconnecting: '网络中断，正在重新连接…',
  player_keys: '确定：暂停/播放　左右：快退/快进　上下：信息栏　返回：停止',

  // After the film
  after_title: '党员签到',
  after_film: '刚才播放：{title}',
  after_hint: '用方向键选择党员，按“确定”签到（再按一次取消），全部选好后选“完成”。',
  after_count: '已签到 {n} 人 / 名册共 {total} 人',
  after_no_roster: '本站点名册上还没有党员，请乡电教站导入名册。',
  after_signed: '已签到',
  after_discuss: '讨论记录',
  after_discussed: '讨论记录（已填写）',
  after_done: '完成',
  after_saving: '正在保存…',
  after_saved: '已记入台账：签到 {n} 人{discussion}。',
  after_saved_discussion: '，讨论 1 条',
  after_save_failed: '保存失败，请检查网络后再按“完成”：{detail}',
  after_no_play: '本次播放没有登记成功，无法签到。请检查网络后重新播放。',

  // Discussion
  discuss_title: '讨论记录',
  discuss_topics: '常用讨论题目（可多选）',
  discuss_typed: '补充内容（字母、数字）',
  discuss_save: '保存讨论',
  discuss_hint: '按“确定”选中或取消题目；保存后回到签到页，按“完成”一并记入台账。',
  discuss_topic_list: [
    '学习了本片的主要内容',
    '联系本村实际谈体会',
    '党员应发挥先锋模范作用',
    '对照党章查找自身差距',
    '学习先进典型的事迹',
    '把学到的技术用到生产中',
    '对村里工作提出建议'
  ],

  // Errors
  error_title: '出了点问题',
  error_network: '连不上乡里的服务器，请检查网络后按“重试”。',
  error_generic: '服务器返回错误：{detail}'
};

// The string `key` with `{name}` filled in from `values`.
TV.t = (key, values) => {
  const s = TV.STR[key];
  if (s === undefined) return key;
  if (!values) return s;
  return String(s).replace(/\{(\w+)\}/g, (m, name) => (values[name] === undefined ? m : String(values[name])));
};
