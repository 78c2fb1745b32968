"""Screen name → screen class, installed by the app at start-up."""

from __future__ import annotations

from textual.screen import Screen

from .chain import ChainScreen
from .changelog import ChangelogScreen
from .gates import GatesScreen
from .history import HistoryScreen
from .plan import PlanScreen
from .publish import PublishScreen
from .review import ReviewScreen
from .summary import SummaryScreen
from .tag import TagScreen
from .version import VersionScreen

SCREENS: dict[str, type[Screen[None]]] = {
    "plan": PlanScreen, "version": VersionScreen, "changelog": ChangelogScreen,
    "gates": GatesScreen, "tag": TagScreen, "publish": PublishScreen, "chain": ChainScreen,
    "summary": SummaryScreen, "history": HistoryScreen, "review": ReviewScreen,
}
