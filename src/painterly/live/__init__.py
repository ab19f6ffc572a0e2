"""Live painting: camera frames in, painted frames out, at interactive rates.

:class:`LiveEngine` paints the newest frame of each viewer in turn (stale frames dropped, viewers
served round-robin), with the temporal stabiliser of :mod:`painterly.video`.
:mod:`painterly.live.protocol` is the wire format of the WebSocket ``/v1/live``.
"""

from painterly.live.engine import LiveConfig, LiveEngine, LiveSettings, Viewer, paint_frame
from painterly.live.sizing import SizeGovernor, SizingConfig
from painterly.live.slot import LatestSlot

__all__ = ["LatestSlot", "LiveConfig", "LiveEngine", "LiveSettings", "SizeGovernor", "SizingConfig",
           "Viewer", "paint_frame"]
