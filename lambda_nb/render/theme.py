"""Colours: the view model names a tone ("error", "muted"), this module says how to paint it.

Text colours come from JupyterLab's semantic CSS variables, so a view follows the Lab theme;
each has a fallback for pages outside Jupyter (nbconvert without Lab's CSS, a plain browser).
No single `--jp-*-color*` variable reads at WCAG AA (4.5:1) in both of Lab's themes: the light
theme needs the dark end of a scale, the dark theme the light end (jupyter.md 2.1 on where the
HTML is shown). So a tone is the theme's colour mixed 65/35 with the theme's own strongest text
colour (`--jp-content-font-color0`: black in the light theme, white in the dark one), which moves
it away from the background in both; measured in tests/browser/test_contrast.py.

JupyterLab's HTML sanitizer (untrusted notebooks) drops `var()` and `color-mix()` values: the
text then keeps the theme's default colour, which always reads. Badges set their own background
and text colour in plain hex, which the sanitizer keeps, so they read on any page.
"""

from __future__ import annotations

# tone -> (the Lab variable, its fallback outside Jupyter)
_TONES = {
    "error": ("--jp-error-color1", "#c62828"),
    "warning": ("--jp-warn-color1", "#e65100"),
    "success": ("--jp-success-color1", "#2e7d32"),
    "info": ("--jp-brand-color1", "#1565c0"),
}
# Muted text: Lab's secondary text colour moved a fifth towards the main one. Alone it is
# 4.5:1 on white, too close to the line (an active cell's tint is enough to fail).
MUTED = (
    "color-mix(in srgb, var(--jp-content-font-color2, #57606a) 80%,"
    " var(--jp-content-font-color0, #000))"
)
BORDER = "var(--jp-border-color2, #d0d7de)"
# Badge backgrounds (white text): 6.5:1 or more; hex, so they survive the sanitizer.
_BADGE = {"success": "#1b5e20", "error": "#b71c1c", "warning": "#8a4500", "muted": "#4a5058",
          "info": "#0d47a1"}  # fmt: skip


def color(tone: str | None) -> str:
    """The CSS colour of a tone ("" for None or "default": the inherited text colour)."""
    if tone == "muted":
        return MUTED
    if tone not in _TONES:
        return ""
    var, fallback = _TONES[tone]
    return (
        f"color-mix(in srgb, var({var}, {fallback}) 65%,"
        " var(--jp-content-font-color0, #000))"
    )


def text_style(tone: str | None) -> str:
    """`color: ...;` for a tone, or "" (inherit)."""
    value = color(tone)
    return f"color: {value};" if value else ""


def badge_style(tone: str) -> str:
    """A label on its own background: white on a dark hex colour, readable on any page."""
    background = _BADGE.get(tone, _BADGE["muted"])
    return (
        f"background: {background}; color: #fff; border-radius: 3px; padding: 1px 7px;"
        " font-weight: 600;"
    )


def svg_color(tone: str) -> str:
    """A tone inside an image (the history chart), which draws on its own white background."""
    return {"success": "#1b5e20", "error": "#b71c1c", "info": "#1565c0", "init": "#7fa7d9",
            "muted": "#57606a", "grid": "#d0d7de"}.get(tone, "#24292f")  # fmt: skip
