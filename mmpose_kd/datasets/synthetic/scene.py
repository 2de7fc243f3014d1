"""One synthetic image: a cluttered background, figures, occluders, labels.

The scene is what makes the data worth learning from: limb-like distractor
sticks in the figures' own colour families, figures overlapping each other and
cut by the image border, and occluder blobs drawn over joints. Visibility flags
come from an owner map (which figure, if any, drew each pixel last), so a joint
is ``VISIBLE`` exactly when its own figure's pixel is on top.
"""
import math
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .coco_format import NOT_LABELLED, OCCLUDED, VISIBLE
from .figures import (ANY_HUE, COOL_HUES, WARM_HUES, draw_figure, hsv_colour,
                      sample_figure)

_BACKGROUND, _OCCLUDER = -1, -2  # owner-map values that are not figures


def _background(rng: np.random.Generator, width: int,
                height: int) -> np.ndarray:
    """A two-colour gradient modulated by smooth random noise."""
    c0 = np.array(hsv_colour(rng, value=(40, 230)), dtype=np.float32)
    c1 = np.array(hsv_colour(rng, value=(40, 230)), dtype=np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = xs * math.cos(angle) / width + ys * math.sin(angle) / height
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    image = c0 + (c1 - c0) * ramp[..., None]
    grid = rng.normal(0, 30, size=(rng.integers(3, 9), rng.integers(3, 9), 3))
    image += cv2.resize(grid.astype(np.float32), (width, height),
                        interpolation=cv2.INTER_CUBIC)
    return np.clip(image, 0, 255).astype(np.uint8)


def _random_colour(rng: np.random.Generator):
    """Mostly arbitrary colours, often taken from the limb colour families."""
    family = rng.choice(3, p=(0.5, 0.25, 0.25))
    return hsv_colour(rng, (ANY_HUE, WARM_HUES, COOL_HUES)[family],
                      (40, 256), (60, 256))


def _draw_clutter(rng: np.random.Generator, image: np.ndarray,
                  limb_length: float, amount: float) -> None:
    """Random shapes and limb-like sticks behind the figures, in place."""
    height, width = image.shape[:2]
    for _ in range(rng.poisson(6 * amount)):
        colour = _random_colour(rng)
        centre = (int(rng.integers(width)), int(rng.integers(height)))
        size = (int(rng.integers(3, width // 4 + 4)),
                int(rng.integers(3, height // 4 + 4)))
        fill = -1 if rng.random() < 0.6 else int(rng.integers(1, 4))
        if rng.random() < 0.5:
            cv2.ellipse(image, centre, size, float(rng.uniform(0, 180)), 0,
                        360, colour, fill, cv2.LINE_AA)
        else:
            corner = (centre[0] + size[0], centre[1] + size[1])
            cv2.rectangle(image, centre, corner, colour, fill, cv2.LINE_AA)
    # Sticks: 1-3 jointed segments of limb length and thickness.
    for _ in range(rng.poisson(6 * amount)):
        colour = _random_colour(rng)
        thickness = max(2, int(round(limb_length * rng.uniform(0.18, 0.35))))
        point = rng.uniform((0, 0), (width, height))
        angle = rng.uniform(0, 2 * math.pi)
        for _ in range(rng.integers(1, 4)):
            angle += rng.uniform(-2.0, 2.0)
            length = limb_length * rng.uniform(0.6, 1.3)
            nxt = point + length * np.array([math.cos(angle), math.sin(angle)])
            cv2.line(image, tuple(int(v) for v in point),
                     tuple(int(v) for v in nxt), colour, thickness,
                     cv2.LINE_AA)
            if rng.random() < 0.6:  # a joint, in figure or random colours
                joint = ((30, 30, 30), (235, 235, 235),
                         _random_colour(rng))[rng.integers(3)]
                cv2.circle(image, tuple(int(v) for v in nxt),
                           max(1, int(thickness * 0.42)), joint, -1,
                           cv2.LINE_AA)
            point = nxt


def _draw_occluder(rng: np.random.Generator, image: np.ndarray,
                   owner: np.ndarray, centre: Sequence[float],
                   size: float) -> None:
    """A solid or striped rectangle, ellipse or blob; marks ``owner``."""
    height, width = image.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    half = size * rng.uniform(0.25, 0.5, size=2)
    angle = rng.uniform(0, 180)
    shape = rng.integers(3)
    c = tuple(int(v) for v in centre)
    if shape == 0:
        box = ((float(centre[0]), float(centre[1])),
               (float(2 * half[0]), float(2 * half[1])), float(angle))
        cv2.fillConvexPoly(mask, cv2.boxPoints(box).astype(np.int32), 255)
    elif shape == 1:
        cv2.ellipse(mask, c, tuple(int(max(2, h)) for h in half),
                    float(angle), 0, 360, 255, -1)
    else:
        count = int(rng.integers(5, 9))
        angles = np.sort(rng.uniform(0, 2 * math.pi, count))
        radii = half.mean() * rng.uniform(0.6, 1.4, count)
        pts = np.stack([centre[0] + radii * np.cos(angles),
                        centre[1] + radii * np.sin(angles)], axis=1)
        cv2.fillPoly(mask, [pts.astype(np.int32)], 255)
    colour = np.array(_random_colour(rng), np.float32)
    fill = np.empty_like(image, dtype=np.float32)
    fill[:] = colour
    if rng.random() < 0.5:  # stripes
        ys, xs = np.mgrid[0:height, 0:width]
        period = rng.uniform(3, 8)
        phase = xs * math.cos(angle) + ys * math.sin(angle)
        fill *= (0.6 + 0.4 * (np.sin(phase * 2 * math.pi / period) > 0))[
            ..., None]
    inside = mask > 0
    image[inside] = np.clip(fill[inside], 0, 255).astype(np.uint8)
    owner[inside] = _OCCLUDER


def _finish(rng: np.random.Generator, image: np.ndarray,
            amount: float) -> np.ndarray:
    """Global contrast, blur and sensor noise."""
    out = image.astype(np.float32)
    out = (out - 128) * rng.uniform(0.75, 1.15) + 128 + rng.uniform(-20, 20)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.5, 1.0))
    out += rng.normal(0, rng.uniform(2, 8) * amount, size=out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def _annotate(figure, mask: np.ndarray, owner: np.ndarray,
              index: int) -> Dict:
    """COCO annotation fields of one drawn figure."""
    height, width = mask.shape
    kpts = np.round(figure.keypoints, 2)
    inside = (figure.labelled & (kpts[:, 0] >= 0) & (kpts[:, 0] <= width - 1)
              & (kpts[:, 1] >= 0) & (kpts[:, 1] <= height - 1))
    vis = np.full(len(kpts), NOT_LABELLED)
    for k in np.flatnonzero(inside):
        on_top = owner[int(round(kpts[k, 1])), int(round(kpts[k, 0]))]
        vis[k] = VISIBLE if on_top == index else OCCLUDED
    kpts[~inside] = 0
    ys, xs = np.nonzero(mask)
    x0, y0 = max(xs.min() - 0.5, 0.0), max(ys.min() - 0.5, 0.0)
    x1, y1 = min(xs.max() + 0.5, width), min(ys.max() + 0.5, height)
    return dict(
        keypoints=[float(v) for v in np.concatenate(
            [kpts, vis[:, None]], axis=1).reshape(-1)],
        num_keypoints=int((vis > 0).sum()),
        bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
        area=float(len(xs)))


def render_scene(rng: np.random.Generator, image_size: Tuple[int, int],
                 max_people: int, person_scale: Tuple[float, float],
                 occlusion: float, clutter: float,
                 min_keypoints: int) -> Tuple[np.ndarray, List[Dict]]:
    """Render one image and the annotations of the figures in it.

    Args:
        rng: The only source of randomness.
        image_size: (W, H) in px.
        max_people: Up to this many figures (at least 1).
        person_scale: Range of the torso length as a fraction of min(W, H).
        occlusion: Probability that each figure gets an occluder over it.
        clutter: Multiplier of the number of background distractors and of
            the sensor noise.
        min_keypoints: A figure is placed only where at least this many of
            its labelled keypoints fall inside the image.

    Returns:
        The BGR uint8 image (H, W, 3) and one dict per figure with
        ``keypoints`` (51 floats), ``num_keypoints``, ``bbox`` (xywh) and
        ``area`` (silhouette pixels inside the image).
    """
    width, height = image_size
    short = min(width, height)
    image = _background(rng, width, height)
    _draw_clutter(rng, image, short * np.mean(person_scale) * 0.55, clutter)

    owner = np.full((height, width), _BACKGROUND, np.int16)
    figures, masks, placed = [], [], []  # placed: (centre, torso length)
    for _ in range(int(rng.integers(1, max_people + 1))):
        for _attempt in range(30):
            length = rng.uniform(*person_scale) * short
            centre = rng.uniform(0.1, 0.9, size=2) * (width, height)
            figure = sample_figure(rng, centre, length)
            k = figure.keypoints
            inside = (figure.labelled & (k[:, 0] >= 0) & (k[:, 1] >= 0)
                      & (k[:, 0] <= width - 1) & (k[:, 1] <= height - 1))
            crowded = any(
                np.linalg.norm(centre - other) < 0.6 * max(length, other_len)
                for other, other_len in placed)
            if inside.sum() >= min_keypoints and not crowded:
                mask = np.zeros((height, width), np.uint8)
                draw_figure(image, mask, figure)
                owner[mask > 0] = len(figures)
                figures.append(figure)
                masks.append(mask)
                placed.append((centre, length))
                break

    for figure, (_, length) in zip(figures, placed):
        if rng.random() < occlusion:
            target = figure.keypoints[rng.integers(len(figure.keypoints))]
            offset = rng.normal(0, 0.15 * length, size=2)
            _draw_occluder(rng, image, owner, target + offset,
                           length * rng.uniform(0.7, 1.8))
    for _ in range(rng.poisson(0.3 * clutter)):
        _draw_occluder(rng, image, owner, rng.uniform((0, 0), image_size),
                       short * rng.uniform(0.1, 0.3))

    image = _finish(rng, image, clutter)
    return image, [
        _annotate(f, m, owner, i) for i, (f, m) in enumerate(zip(figures,
                                                                 masks))
    ]
