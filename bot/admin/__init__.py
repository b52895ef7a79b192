"""The core of the admin chat commands (``handlers/admin*.py`` are the thin layer).

    arabic.py     counted nouns, durations, "قبل 5 دقائق"; pure
    args.py       command arguments (/broadcast kinds, /addfeed, feed id or name); pure
    broadcast.py  a text broadcast's messages (split, length limit); pure
    progress.py   progress figures, text bar, ETA, progress / final / preview texts; pure
    stats.py      the /stats message; pure
    feeds.py      /addfeed validation (fetch, parse, <link rel=alternate>) and /feeds text
    article.py    /broadcast URL: the article page built like the pipeline builds one
    buttons.py    the signed confirm / cancel / stop buttons (kind ``bc``)
    tracker.py    edits the progress messages of running broadcasts (a job drives it)
    errors.py     AdminError (an Arabic refusal); explain_error: any error in Arabic
"""

from bot.admin.errors import AdminError

__all__ = ["AdminError"]
