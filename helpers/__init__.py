"""Deep Learning Lab's helper package: settings, data, from-scratch code, plots, widgets and checks.

Every notebook starts with::

    from helpers import settings
    settings.setup()
"""

__version__ = "0.1.0"
