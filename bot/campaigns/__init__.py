"""Campaign definitions: the data model, loading from YAML, and checks for staff."""

from bot.campaigns.loader import analyse, load_campaign
from bot.campaigns.model import ANSWERED_TYPES, STEP_TYPES, Campaign, Condition, Option, Step, Text
from bot.campaigns.problems import CampaignInvalid, Problem

__all__ = [
    "ANSWERED_TYPES", "STEP_TYPES", "Campaign", "CampaignInvalid", "Condition", "Option",
    "Problem", "Step", "Text", "analyse", "load_campaign",
]
