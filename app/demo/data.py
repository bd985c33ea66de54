"""All demo data, in the order the features need it. Loading twice adds nothing."""

from .accounts import load_demo_data
from .curriculum import load_demo_assignments, load_demo_progress
from .events import load_demo_sessions
from .meetings import load_demo_meetings


def load_all_demo_data() -> dict[str, int]:
    """Demo areas and people, course assignments and progress (for courses already synced),
    live sessions and annual meetings; return how many of each were added."""
    areas, people = load_demo_data()
    return {
        "areas": areas,
        "people": people,
        "course assignments": load_demo_assignments(),
        "courses with progress": load_demo_progress(),
        "live sessions": load_demo_sessions(),
        "annual meetings": load_demo_meetings(),
    }
