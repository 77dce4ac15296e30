"""Warmup–stable–decay learning rate, a pure function of the step.

The stable phase has no notion of the total, so a run can be extended or cut
(resume with another --steps) before its decay starts without a jump.
"""


def learning_rate(step: int, total: int, peak: float, warmup: int, decay_frac: float, floor_frac: float):
    if step < warmup:
        return peak * (step + 1) / warmup
    decay_start = int(total * (1 - decay_frac))
    if step < decay_start:
        return peak
    progress = min(1.0, (step - decay_start) / max(1, total - decay_start))
    return peak * (1 - (1 - floor_frac) * progress)
