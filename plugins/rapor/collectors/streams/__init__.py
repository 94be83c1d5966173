"""One stream class per platform endpoint; ``STREAMS`` names them for the DAGs and the CLI."""

from rapor.collectors.streams.graph import FacebookComments, InstagramComments
from rapor.collectors.streams.lapor import LaporReports
from rapor.collectors.streams.open311 import Open311Requests
from rapor.collectors.streams.x import XMentions

STREAMS = {
    stream.name: stream for stream in (LaporReports, Open311Requests, FacebookComments, InstagramComments, XMentions)
}

__all__ = ["STREAMS", "FacebookComments", "InstagramComments", "LaporReports", "Open311Requests", "XMentions"]
