"""Newsletter messages built with Python's email package, for the mail and mailbox tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

STORIES = [
    (
        "Ceasefire talks in Cairo.",
        "Israel and Hamas traded accusations over the ceasefire in Gaza on Tuesday, as "
        "mediators in Cairo tried to keep the truce alive and aid convoys waited at the "
        "Rafah crossing for permission to enter the territory before nightfall.",
    ),
    (
        "Modi comes to Washington.",
        "India's prime minister arrives in Washington hoping to avoid a trade war with the "
        "United States, bringing offers to buy more American energy and to lower tariffs on "
        "motorcycles and bourbon whiskey, officials in New Delhi said on Tuesday evening.",
    ),
    (
        "Drones over Kyiv.",
        "Ukraine's air force said it shot down most of the Russian drones launched at Kyiv "
        "overnight, while debris damaged homes in two districts and a school in the suburbs "
        "of the capital, the city's military administration reported on Wednesday morning.",
    ),
]

# A message with nothing to read: no sender, no text or HTML part, only an image.
ONLY_A_PICTURE = (
    b"Subject: Only a picture\r\nMessage-ID: <picture@news.test>\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: image/png\r\n\r\nxx\r\n--b--\r\n"
)


def numbered(issue: int) -> list[tuple[str, str]]:
    """The stories of another issue: the same words in another order, so neither the
    content key nor the near-duplicate check takes them for the first issue's."""
    shuffle = random.Random(issue).sample
    return [
        (f"{title} ({issue})", " ".join(shuffle(words, len(words))) + ".")
        for title, text in STORIES
        for words in [text.rstrip(".").split()]
    ]


def newsletter_html(stories: list[tuple[str, str]] = STORIES) -> str:
    body = "".join(f"<h2>{title}</h2><p>{text}</p>" for title, text in stories)
    return (
        "<html><body><img src='https://t.test/open.gif' width='1' height='1'>"
        "<img src='cid:logo' alt='The Daily Brief logo'>"
        f"<h1>The Daily Brief</h1>{body}</body></html>"
    )


def newsletter_text(stories: list[tuple[str, str]] = STORIES) -> str:
    return "\n\n".join(f"{title}\n\n{text}" for title, text in stories)


def message(
    *,
    subject: str = "The Daily Brief: talks in Cairo",
    sender: str = "The Daily Brief <brief@news.test>",
    list_id: str | None = "The Daily Brief <daily.news.test>",
    date: datetime = datetime(2026, 11, 30, 6, 30, tzinfo=UTC),
    message_id: str | None = None,
    html: str | None = None,
    text: str | None = None,
    charset: str = "utf-8",
    cte: str | None = None,
    image: bool = True,
) -> EmailMessage:
    """A newsletter as mail clients receive it: text and HTML alternatives, an inline logo."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = "reader@example.test"
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or make_msgid(domain="news.test")
    if list_id:
        msg["List-Id"] = list_id
    msg.set_content(text if text is not None else newsletter_text(), charset=charset, cte=cte)
    if html is not None or text is None:
        msg.add_alternative(
            html if html is not None else newsletter_html(),
            subtype="html",
            charset=charset,
            cte=cte,
        )
        if image:
            html_part = msg.get_payload()[1]
            html_part.add_related(
                b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image", "gif", cid="<logo>"
            )
    return msg
