// Every piece of text the broadcaster's phone page shows, in one place (Chinese).
// `{name}` marks a value filled in by M.t(key, values).
window.M = window.M || {};
M.STR = {
  app_name: '电教播放员',
  loading: '正在加载…',
  back: '返回',
  retry: '重试',
  go_home: '回到首页',

  // Pairing
  pair_title: '连接本村电教室',
  pair_intro: '请输入乡电教站给的 6 位配对码，或用微信扫电教站电脑上的二维码。',
  pair_placeholder: '6 位数字',
  pair_submit: '配对',
  pair_need_six: '配对码是 6 位数字，请输完再按“配对”。',
  pair_working: '正在配对…',

  // Home
  home_search: '搜索片名或拼音首字母，如 dzds',
  home_plan: '本季度播放计划',
  home_theme: '本月主题：{theme}',
  home_theme_none: '本月主题',
  home_local: '本地新片',
  home_series: '系列片',
  home_other: '其他影片',
  home_plan_empty: '本季度的播放计划还没有制定，请与乡电教站联系。',
  home_theme_empty: '本月主题暂无影片。',
  home_library_empty: '片库里还没有影片，请乡电教站添加影片。',
  home_playing: '电视“{tv}”正在播放《{title}》，点这里控制播放',
  home_pending: '《{title}》播完还没有签到，点这里签到',
  series_count: '共 {n} 集',
  search_results: '找到 {n} 部影片',
  search_none: '没有找到，请换个词或拼音首字母试试。',
  episode: '第 {n} 集',

  // Film states
  state_ready: '可以播放',
  state_queued: '排队准备中',
  state_preparing: '正在准备',
  state_failed: '这部影片无法播放：{reason}',
  state_rejected: '这不是可播放的影片：{reason}',
  state_unknown_reason: '原因不明，请联系乡电教站',

  // Film page
  film_screen: '播前准备',
  film_duration: '时长 {time}',
  film_prep_title: '播前备课',
  film_prep_none: '本片没有备课提示。',
  film_cues_title: '播放中的提示（到时间会大字显示）',
  film_tvs: '在哪台电视上播放',
  film_tvs_none: '还没有找到本站的电视。请打开电视，进入“多屏互动”或“投屏”，并确认电视的地址已在乡电教站登记。',
  film_tvs_again: '重新查找电视',
  film_tv_line: '{address}',
  film_play: '在电视上播放',
  film_pushing: '正在让电视播放，请稍候…',
  film_not_playable: '这部影片还不能播放。',

  // While it plays
  play_state_idle: '电视空闲',
  play_state_starting: '电视正在打开影片…',
  play_state_playing: '正在播放',
  play_state_paused: '已暂停',
  play_state_transitioning: '电视正在缓冲…',
  play_state_unreachable: '连不上电视',
  play_back30: '后退30秒',
  play_fwd30: '前进30秒',
  play_pause: '暂停',
  play_resume: '继续',
  play_stop: '停止',
  play_volume: '电视音量',
  play_stop_ask: '确定停止播放？停止后进入签到。',
  play_stop_yes: '停止播放',
  play_stop_no: '继续播放',
  play_cue_label: '请读给大家听',
  play_cue_hide: '读完了',
  play_cues_title: '本片提示',
  play_other: '电视上已经在播放别的影片了。',
  play_gone: '这次播放已经结束。',
  play_to_after: '去签到',

  // After the film
  after_title: '签到与讨论',
  after_film: '刚才播放：《{title}》',
  after_ended: '影片已播完。',
  after_stopped: '已停止播放。',
  after_watched: '本次放映记入台账 {time}。',
  after_roster: '党员签到',
  after_roster_hint: '点名字签到，再点一次取消。',
  after_count: '已选 {n} 人 / 名册共 {total} 人',
  after_no_roster: '本站名册上还没有党员，请乡电教站导入名册。',
  after_discuss: '讨论记录',
  after_discuss_placeholder: '记下大家讨论的内容（可点上面的常用题目）',
  after_photo: '现场照片（可不拍）',
  after_photo_take: '拍照或选照片',
  after_photo_again: '再加一张',
  after_photo_uploading: '正在上传照片…',
  after_photo_saved: '照片已保存（共 {n} 张）。',
  after_done: '保存并完成',
  after_saving: '正在保存…',
  after_saved: '已记入台账：签到 {n} 人{discussion}{photo}。',
  after_saved_discussion: '，讨论 1 条',
  after_saved_photo: '，照片 {n} 张',
  after_wait_photo: '照片还在上传，请稍候再按。',
  after_unsaved: '签到还没有保存。请按“保存并完成”，或再按一次返回放弃。',
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
  error_network: '连不上乡里的服务器，请检查手机的无线网络后再试。'
};

// The string `key` with `{name}` filled in from `values`.
M.t = (key, values) => {
  const s = M.STR[key];
  if (s === undefined) return key;
  if (!values) return s;
  return String(s).replace(/\{(\w+)\}/g, (m, name) => (values[name] === undefined ? m : String(values[name])));
};

// The sentence for a failed request: the server's own, or the network's.
M.say = (e) => {
  if (e && e.status === 0) return M.t('error_network');
  return (e && e.message) || String(e);
};
