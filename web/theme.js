// Light/dark theme: follows the system unless the user picks one; the choice is kept in
// localStorage (on this device only). The page's CSS reads <html data-theme>.

const KEY = 'loupe-theme';
const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

/** 'auto' | 'light' | 'dark' */
export function savedTheme() {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

/** Applies a theme choice to `root` (default <html>) and remembers it. */
export function applyTheme(mode, root = document.documentElement) {
  root.dataset.theme = mode;
  try {
    if (mode === 'auto') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, mode);
  } catch {
    /* storage disabled: the choice lasts for this page view */
  }
}

/** Whether the effective theme of `root` is dark. */
export function isDark(root = document.documentElement) {
  const mode = root.dataset.theme || 'auto';
  return mode === 'dark' || (mode === 'auto' && !!media && media.matches);
}

/** Calls fn when the system theme changes. */
export function onSystemThemeChange(fn) {
  media?.addEventListener('change', fn);
}
