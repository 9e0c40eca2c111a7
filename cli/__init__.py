"""The ``qingkong`` command line: :mod:`cli.main` assembles the command groups, each in its own
module (``zones``, ``corridors``, ``route``, ``serve``/``users``, ``mqtt``, ``replay`` and
``scenario``, ``fly``, ``study``); :mod:`cli.common` holds the conventions they share."""
