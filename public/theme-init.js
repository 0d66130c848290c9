// Runs before the app so the first paint already has the user's theme (no flash).
(() => {
  try {
    const saved = localStorage.getItem('labdeck.theme');
    const dark = saved ? saved === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  } catch {
    document.documentElement.dataset.theme = 'light';
  }
})();
