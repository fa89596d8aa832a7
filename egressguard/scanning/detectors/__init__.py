"""Token-family detectors, one family per module, registered explicitly below.

Adding a family: write `detectors/<family>.py` (reference URL above the pattern, a stable
`name`), add its vectors in `tests/data/vectors/tokens/<name>.json`, then list it here.
"""

from __future__ import annotations

from egressguard.scanning.base import Detector
from egressguard.scanning.detectors.age import AgeSecretKey
from egressguard.scanning.detectors.anthropic import AnthropicApiKey
from egressguard.scanning.detectors.aws import AwsAccessKeyId, AwsSecretAccessKey
from egressguard.scanning.detectors.azure import AzureSasToken, AzureStorageKey
from egressguard.scanning.detectors.databricks import DatabricksToken
from egressguard.scanning.detectors.digitalocean import DigitaloceanToken
from egressguard.scanning.detectors.generic import GenericSecret
from egressguard.scanning.detectors.github import GithubFineGrainedToken, GithubToken
from egressguard.scanning.detectors.gitlab import GitlabToken
from egressguard.scanning.detectors.google import GoogleApiKey
from egressguard.scanning.detectors.heroku import HerokuApiKey
from egressguard.scanning.detectors.huggingface import HuggingfaceToken
from egressguard.scanning.detectors.jwt import JsonWebToken
from egressguard.scanning.detectors.mailgun import MailgunApiKey
from egressguard.scanning.detectors.npm import NpmToken
from egressguard.scanning.detectors.openai import OpenaiApiKey
from egressguard.scanning.detectors.payment_card import PaymentCard
from egressguard.scanning.detectors.private_key import PrivateKey
from egressguard.scanning.detectors.pypi import PypiToken
from egressguard.scanning.detectors.sendgrid import SendgridApiKey
from egressguard.scanning.detectors.shopify import ShopifyToken
from egressguard.scanning.detectors.slack import SlackToken, SlackWebhook
from egressguard.scanning.detectors.square import SquareToken
from egressguard.scanning.detectors.stripe import StripeKey
from egressguard.scanning.detectors.telegram import TelegramBotToken
from egressguard.scanning.detectors.twilio import TwilioKey
from egressguard.scanning.detectors.url_password import UrlPassword

DEFAULT_DETECTORS: tuple[Detector, ...] = (
    AwsAccessKeyId(),
    AwsSecretAccessKey(),
    GithubToken(),
    GithubFineGrainedToken(),
    GitlabToken(),
    SlackToken(),
    SlackWebhook(),
    StripeKey(),
    OpenaiApiKey(),
    AnthropicApiKey(),
    GoogleApiKey(),
    AzureStorageKey(),
    AzureSasToken(),
    NpmToken(),
    PypiToken(),
    PrivateKey(),
    JsonWebToken(),
    UrlPassword(),
    GenericSecret(),
    PaymentCard(),
    TwilioKey(),
    SendgridApiKey(),
    MailgunApiKey(),
    HerokuApiKey(),
    DigitaloceanToken(),
    HuggingfaceToken(),
    ShopifyToken(),
    DatabricksToken(),
    SquareToken(),
    TelegramBotToken(),
    AgeSecretKey(),
)

__all__ = ["DEFAULT_DETECTORS", "Detector"]
