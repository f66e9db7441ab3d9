"""A timer whose interval is a setting: the container's config first (tests run it fast), then the env."""
from nameko.timer import Timer

from services.common.config import float_setting


class SettingTimer(Timer):
    def __init__(self, setting_name: str, eager: bool = False, **kwargs):
        super().__init__(interval=None, eager=eager, **kwargs)
        self.setting_name = setting_name

    def setup(self):
        configured = self.container.config.get(self.setting_name)
        self.interval = float(configured) if configured else float_setting(self.setting_name)


setting_timer = SettingTimer.decorator
