"""What a rule pack's model module imports: the whole API in one place."""

from bot.model.interp import Bounds, StubCall
from bot.model.scenario import Call, Event, Invariant, Model, Scenario
from bot.model.values import Obj, Unknown

__all__ = ["Bounds", "Call", "Event", "Invariant", "Model", "Obj", "Scenario", "StubCall",
           "Unknown"]
