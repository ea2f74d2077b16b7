"""The booster benchmark (``sonido boost``): does sonido help each task, and when?"""

from sonido.boost.plan import ALL_TASKS, PLANS, BoostConfig
from sonido.boost.run import run_boost

__all__ = ["ALL_TASKS", "PLANS", "BoostConfig", "run_boost"]
