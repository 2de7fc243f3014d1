"""Articulated limb figures carrying the 17 COCO keypoints, sampled and drawn.

A figure is posed in a body frame (neck at the origin, torso length 1, y down)
by joint angles drawn from plausible ranges, seen from the front or the back,
squeezed sideways to mimic a turned body, then rotated, scaled and placed in
the image. Drawing uses OpenCV's sub-pixel (fixed-point) coordinates, so every
keypoint is exactly the centre of a disc or limb end drawn for it.

Left and right are told apart by colour (left limbs take warm hues, right limbs
cool hues) and by shape (round left hand, square right hand); these cues stay
valid on back views, where the image-left limb is the figure's left one.

(Just over 300 lines on purpose: posing and drawing read the same limb table
and body frame, and split apart each would need the other's internals.)
"""
import dataclasses
import math
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .coco_format import NUM_KEYPOINTS

# Keypoint indices, in COCO order.
(NOSE, L_EYE, R_EYE, L_EAR, R_EAR, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW,
 L_WRIST, R_WRIST, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE,
 R_ANKLE) = range(NUM_KEYPOINTS)
FACE_KEYPOINTS = (NOSE, L_EYE, R_EYE)

# OpenCV hue is 0..179. Warm (red-orange-yellow) is left, cool (cyan-blue)
# is right.
WARM_HUES = ((0, 26), (168, 180))
COOL_HUES = ((86, 128), )
ANY_HUE = ((0, 180), )

_SHIFT = 4  # OpenCV fixed-point bits: coordinates are drawn at 1/16 px.

Colour = Tuple[int, int, int]


def hsv_colour(rng: np.random.Generator,
               hue_ranges: Sequence[Tuple[int, int]] = ANY_HUE,
               saturation: Tuple[int, int] = (0, 256),
               value: Tuple[int, int] = (0, 256)) -> Colour:
    """Sample a BGR colour whose hue lies in one of ``hue_ranges``."""
    low, high = hue_ranges[rng.integers(len(hue_ranges))]
    hsv = np.array([[[rng.integers(low, high),
                      rng.integers(*saturation),
                      rng.integers(*value)]]], dtype=np.uint8)
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def _scaled(colour: Colour, factor: float) -> Colour:
    return tuple(int(min(255, c * factor)) for c in colour)


@dataclasses.dataclass
class FigureStyle:
    """Colours of one figure (BGR)."""
    left_upper: Colour
    left_lower: Colour
    right_upper: Colour
    right_lower: Colour
    torso: Colour
    head: Colour
    joint: Colour
    outline: Optional[Colour]


@dataclasses.dataclass
class Figure:
    """A posed figure in image pixel coordinates.

    Note:
        ``keypoints`` is (17, 2) x, y in image px (pixel centres at integers),
        in COCO order; ``labelled`` is (17,) bool, False for the face points of
        a figure seen from the back (they are neither drawn nor annotated).
    """
    keypoints: np.ndarray
    labelled: np.ndarray
    neck: np.ndarray
    head_centre: np.ndarray
    head_radius: float
    toes: np.ndarray
    torso_quad: np.ndarray
    thickness: float
    facing_front: bool
    style: FigureStyle


def _direction(angle: float, outward: float) -> np.ndarray:
    """Unit vector ``angle`` rad from straight down, towards ``outward``."""
    return np.array([outward * math.sin(angle), math.cos(angle)])


def _foreshortening(rng: np.random.Generator) -> float:
    return 1.0 if rng.random() < 0.7 else rng.uniform(0.55, 1.0)


def _limb_chain(rng, root, outward, first_angle, bend, lengths):
    mid = root + lengths[0] * _foreshortening(rng) * _direction(
        first_angle, outward)
    end = mid + lengths[1] * _foreshortening(rng) * _direction(
        first_angle + bend, outward)
    return mid, end


def _sample_body_pose(rng: np.random.Generator, facing: int):
    """Keypoints and drawing anchors in the body frame (torso length 1)."""
    kpts = np.zeros((NUM_KEYPOINTS, 2))
    width = rng.uniform(0.45, 1.0)  # < 1 mimics a body turned sideways
    half_shoulder = rng.uniform(0.32, 0.45) * width
    half_hip = rng.uniform(0.18, 0.26) * width
    for side, sign in (('left', facing), ('right', -facing)):
        shoulder = np.array([sign * half_shoulder, 0.06])
        hip = np.array([sign * half_hip, 1.0])
        elbow, wrist = _limb_chain(
            rng, shoulder, sign, rng.uniform(-0.35, 2.9),
            rng.uniform(0.0, 2.6) * rng.choice((-1, 1)),
            (rng.uniform(0.48, 0.62), rng.uniform(0.42, 0.56)))
        hip_angle = (rng.uniform(-0.3, 0.5)
                     if rng.random() < 0.7 else rng.uniform(0.5, 1.6))
        knee_bend = (rng.uniform(0.0, 0.6)
                     if rng.random() < 0.6 else rng.uniform(0.6, 2.2))
        knee, ankle = _limb_chain(
            rng, hip, sign, hip_angle, knee_bend * rng.choice((-1, 1)),
            (rng.uniform(0.72, 0.9), rng.uniform(0.68, 0.86)))
        idx = (L_SHOULDER, L_ELBOW, L_WRIST, L_HIP, L_KNEE, L_ANKLE)
        if side == 'right':
            idx = tuple(i + 1 for i in idx)
        for i, point in zip(idx, (shoulder, elbow, wrist, hip, knee, ankle)):
            kpts[i] = point

    # Feet point the same way, roughly perpendicular to the shins.
    walk = rng.choice((-1, 1))
    toes = []
    for knee_i, ankle_i in ((L_KNEE, L_ANKLE), (R_KNEE, R_ANKLE)):
        shin = kpts[ankle_i] - kpts[knee_i]
        shin = shin / max(np.linalg.norm(shin), 1e-6)
        turn = walk * rng.uniform(1.2, 1.75)
        rot = np.array([[math.cos(turn), -math.sin(turn)],
                        [math.sin(turn), math.cos(turn)]])
        toes.append(kpts[ankle_i] + rng.uniform(0.18, 0.26) * rot @ shin)

    neck = np.zeros(2)
    tilt = rng.uniform(-0.45, 0.45)
    up = np.array([math.sin(tilt), -math.cos(tilt)])
    right = np.array([math.cos(tilt), math.sin(tilt)])
    radius = rng.uniform(0.2, 0.28)
    head = neck + up * (rng.uniform(0.12, 0.22) + radius)
    to_left = right * facing  # towards the figure's left side in the image
    yaw = right * rng.uniform(-0.45, 0.45) * radius
    eye_level = head + yaw + up * 0.12 * radius
    kpts[L_EYE] = eye_level + to_left * 0.33 * radius
    kpts[R_EYE] = eye_level - to_left * 0.33 * radius
    kpts[NOSE] = head + 1.25 * yaw - up * 0.22 * radius
    kpts[L_EAR] = head + to_left * 0.9 * radius - 0.35 * yaw
    kpts[R_EAR] = head - to_left * 0.9 * radius - 0.35 * yaw

    top = max(half_shoulder, 0.14) + 0.08
    bottom = max(half_hip, 0.12) * 1.15 + 0.06
    quad = np.array([[-top, 0.0], [top, 0.0], [bottom, 1.05],
                     [-bottom, 1.05]])
    return kpts, np.array(toes), neck, head, radius, quad


def _sample_style(rng: np.random.Generator, facing_front: bool) -> FigureStyle:
    sat, val = (110, 256), (120, 256)

    def limb_pair(hues):
        upper = hsv_colour(rng, hues, sat, val)
        return upper, _scaled(upper, rng.uniform(0.6, 0.85))

    left_upper, left_lower = limb_pair(WARM_HUES)
    right_upper, right_lower = limb_pair(COOL_HUES)
    if facing_front:
        head = hsv_colour(rng, ((5, 25), ), (40, 170), (90, 256))
    else:  # hair
        head = hsv_colour(rng, ((0, 30), ), (30, 200), (20, 120))
    return FigureStyle(
        left_upper=left_upper,
        left_lower=left_lower,
        right_upper=right_upper,
        right_lower=right_lower,
        torso=hsv_colour(rng),
        head=head,
        joint=(30, 30, 30) if rng.random() < 0.5 else (235, 235, 235),
        outline=(hsv_colour(rng, value=(0, 80))
                 if rng.random() < 0.4 else None))


def sample_figure(rng: np.random.Generator, centre: Sequence[float],
                  torso_length: float) -> Figure:
    """Sample a posed figure whose torso middle is at ``centre`` (image px).

    Args:
        rng: Random generator; the only source of randomness.
        centre: x, y of the torso middle in image px.
        torso_length: Neck-to-pelvis distance in image px.
    """
    facing = 1 if rng.random() < 0.75 else -1
    kpts, toes, neck, head, radius, quad = _sample_body_pose(rng, facing)
    angle = (rng.normal(0.0, 0.3) if rng.random() < 0.8 else
             rng.uniform(-math.pi, math.pi))
    rot = np.array([[math.cos(angle), -math.sin(angle)],
                    [math.sin(angle), math.cos(angle)]])
    anchor = np.array([0.0, 0.5])
    centre = np.asarray(centre, dtype=np.float64)

    def place(points):
        return (np.asarray(points) - anchor) @ rot.T * torso_length + centre

    labelled = np.ones(NUM_KEYPOINTS, dtype=bool)
    if facing < 0:
        labelled[list(FACE_KEYPOINTS)] = False
    return Figure(
        keypoints=place(kpts),
        labelled=labelled,
        neck=place(neck),
        head_centre=place(head),
        head_radius=radius * torso_length,
        toes=place(toes),
        torso_quad=place(quad),
        thickness=max(2.0, torso_length * rng.uniform(0.2, 0.3)),
        facing_front=facing > 0,
        style=_sample_style(rng, facing > 0))


class _Painter:
    """Draws each shape on the image (anti-aliased) and on a binary mask."""

    def __init__(self, image: np.ndarray, mask: np.ndarray):
        self.image, self.mask = image, mask

    @staticmethod
    def _fixed(points) -> np.ndarray:
        return np.round(np.asarray(points) * (1 << _SHIFT)).astype(np.int32)

    def line(self, p, q, colour, thickness):
        p, q = (tuple(int(v) for v in self._fixed(x)) for x in (p, q))
        width = max(1, int(round(thickness)))
        cv2.line(self.image, p, q, colour, width, cv2.LINE_AA, _SHIFT)
        cv2.line(self.mask, p, q, 255, width, cv2.LINE_8, _SHIFT)

    def disc(self, centre, radius, colour):
        c = tuple(int(v) for v in self._fixed(centre))
        r = max(1 << _SHIFT, int(round(radius * (1 << _SHIFT))))
        cv2.circle(self.image, c, r, colour, -1, cv2.LINE_AA, _SHIFT)
        cv2.circle(self.mask, c, r, 255, -1, cv2.LINE_8, _SHIFT)

    def polygon(self, points, colour):
        pts = self._fixed(points)
        cv2.fillConvexPoly(self.image, pts, colour, cv2.LINE_AA, _SHIFT)
        cv2.fillConvexPoly(self.mask, pts, 255, cv2.LINE_8, _SHIFT)


def draw_figure(image: np.ndarray, mask: np.ndarray, figure: Figure) -> None:
    """Draw ``figure`` on ``image`` (H, W, 3 BGR) and its silhouette on
    ``mask`` (H, W uint8, set to 255), both in place."""
    paint = _Painter(image, mask)
    k, s, t = figure.keypoints, figure.style, figure.thickness
    leg_t = t * 1.15
    for hip, knee, ankle, toe, upper, lower in (
            (L_HIP, L_KNEE, L_ANKLE, 0, s.left_upper, s.left_lower),
            (R_HIP, R_KNEE, R_ANKLE, 1, s.right_upper, s.right_lower)):
        paint.line(k[ankle], figure.toes[toe], lower, 0.7 * leg_t)
        paint.line(k[hip], k[knee], upper, leg_t)
        paint.line(k[knee], k[ankle], lower, leg_t)

    if s.outline is not None:
        centre = figure.torso_quad.mean(axis=0)
        paint.polygon(centre + (figure.torso_quad - centre) * 1.12, s.outline)
    paint.polygon(figure.torso_quad, s.torso)
    paint.line(figure.neck, figure.head_centre, s.head, 0.8 * t)
    radius = figure.head_radius
    paint.disc(figure.head_centre, radius, s.head)
    ear = _scaled(s.head, 0.7)
    paint.disc(k[L_EAR], 0.28 * radius, ear)
    paint.disc(k[R_EAR], 0.28 * radius, ear)
    if figure.facing_front:
        paint.disc(k[L_EYE], 0.13 * radius, (20, 20, 20))
        paint.disc(k[R_EYE], 0.13 * radius, (20, 20, 20))
        paint.disc(k[NOSE], 0.15 * radius, (40, 40, 170))

    for shoulder, elbow, wrist, upper, lower in (
            (L_SHOULDER, L_ELBOW, L_WRIST, s.left_upper, s.left_lower),
            (R_SHOULDER, R_ELBOW, R_WRIST, s.right_upper, s.right_lower)):
        paint.line(k[shoulder], k[elbow], upper, t)
        paint.line(k[elbow], k[wrist], lower, t)

    for i in (L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_HIP, R_HIP, L_KNEE,
              R_KNEE, L_ANKLE, R_ANKLE):
        paint.disc(k[i], 0.42 * t, s.joint)

    # Asymmetric hands: a round left hand and a square right hand.
    paint.disc(k[L_WRIST], 0.75 * t, s.left_lower)
    forearm = k[R_WRIST] - k[R_ELBOW]
    along = forearm / max(np.linalg.norm(forearm), 1e-6) * 0.7 * t
    across = np.array([-along[1], along[0]])
    paint.polygon(
        k[R_WRIST] + np.array([along + across, along - across,
                               -along - across, -along + across]),
        s.right_lower)
    paint.disc(k[L_WRIST], 0.3 * t, s.joint)
    paint.disc(k[R_WRIST], 0.3 * t, s.joint)
