"""The offline stand-ins the course makes itself, from data that ships in pip packages or from nothing.

``helpers.data`` uses them when the real dataset cannot be had, and says so in one line. None of
them passes for the real thing: their titles and class names say what they are.
"""

from __future__ import annotations

import numpy as np


def digits_8x8() -> tuple:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images * (255.0 / 16.0)).round().astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    num_train = 1437  # 80 % of 1,797
    return images[:num_train], labels[:num_train], images[num_train:], labels[num_train:]


def digits_as_mnist() -> tuple:
    """scikit-learn's 1,797 real handwritten 8x8 digits, resized to 20x20 and centred in 28x28."""
    from scipy.ndimage import zoom

    X_train, y_train, X_test, y_test = digits_8x8()

    def to_28(images: np.ndarray) -> np.ndarray:
        big = zoom(images.astype(np.float32), (1, 2.5, 2.5), order=1)
        big = np.clip(big, 0, 255).round().astype(np.uint8)
        return np.pad(big, ((0, 0), (4, 4), (4, 4)))

    return to_28(X_train), y_train, to_28(X_test), y_test


SILHOUETTE_NAMES = ("disk", "square", "triangle", "plus", "ring", "cross", "frame", "equals", "L", "T")


def _silhouette_masks(u: np.ndarray, v: np.ndarray, t: np.ndarray) -> list:
    """Boolean masks of the ten silhouette classes in a shape's own coordinates (u, v in [-1, 1])."""
    rho = np.sqrt(u**2 + v**2)
    box = np.maximum(np.abs(u), np.abs(v))
    inside = box < 0.9
    return [
        rho < 0.9,  # disk
        box < 0.75,  # square
        (v < 0.7) & (np.abs(u) < (v + 0.9) * 0.55),  # triangle, apex up
        ((np.abs(u) < t) | (np.abs(v) < t)) & inside,  # plus
        (rho < 0.95) & (rho > 0.95 - 2 * t),  # ring
        ((np.abs(u - v) < 1.4 * t) | (np.abs(u + v) < 1.4 * t)) & inside,  # cross (an X)
        inside & (box > 0.9 - 2 * t),  # frame (a hollow square)
        ((np.abs(v - 0.45) < t) | (np.abs(v + 0.45) < t)) & inside,  # equals sign
        ((u < -0.9 + 2 * t) | (v > 0.9 - 2 * t)) & inside,  # L
        ((v < -0.9 + 2 * t) | (np.abs(u) < t)) & inside,  # T
    ]


def silhouettes(n: int, seed: int) -> tuple:
    """n noisy 28x28 silhouettes of 10 shapes, randomly placed, sized, turned and lit."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    grid = np.arange(28, dtype=np.float32)[None, :]
    cy, cx = rng.uniform(9, 19, (2, n, 1, 1)).astype(np.float32)
    radius = rng.uniform(6, 10, (n, 1, 1)).astype(np.float32)
    angle = rng.uniform(-0.3, 0.3, (n, 1, 1)).astype(np.float32)  # radians: about +-17 degrees
    thickness = rng.uniform(0.18, 0.3, (n, 1, 1)).astype(np.float32)
    dy, dx = (grid[..., None] - cy) / radius, (grid - cx) / radius
    u = np.cos(angle) * dx + np.sin(angle) * dy
    v = -np.sin(angle) * dx + np.cos(angle) * dy
    masks = _silhouette_masks(u, v, thickness)
    images = np.zeros((n, 28, 28), dtype=np.float32)
    for k in range(10):
        chosen = labels == k
        images[chosen] = masks[k][chosen]
    images *= rng.uniform(0.5, 1.0, (n, 1, 1)).astype(np.float32)
    images = gaussian_filter(images, sigma=(0, 0.8, 0.8))
    images += rng.normal(0, 0.12, images.shape).astype(np.float32)
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8), labels


def silhouettes_standin() -> tuple:
    """The Fashion-MNIST stand-in: 6,000 training and 1,000 test silhouettes made by the course (seeded)."""
    X_train, y_train = silhouettes(6000, seed=0)
    X_test, y_test = silhouettes(1000, seed=1)
    return X_train, y_train, X_test, y_test


_SPEAKERS = ("KING", "QUEEN", "DUKE", "NURSE", "FRIAR", "CAPTAIN", "FOOL", "LADY")
_WORDS = {
    "subject": ("I", "you", "he", "she", "we", "they", "the king", "my lord", "the queen", "this night", "our love", "thy father"),
    "verb": ("shall see", "will keep", "must leave", "doth love", "would give", "cannot bear", "have heard", "dost know", "did find", "may take"),
    "object": ("the crown", "my heart", "thy name", "the sword", "this town", "her hand", "the truth", "our peace", "his word", "the sea"),
    "tail": ("tonight", "in time", "for ever", "with honour", "at dawn", "no more", "again", "in grief", "for France", "by heaven"),
    "call": ("Come", "Go", "Peace", "Farewell", "Hark", "Alas", "Away", "Stay", "Speak", "Look"),
}


def play_text(num_chars: int = 300_000, seed: int = 0) -> str:
    """Course-generated play-like dialogue (speaker lines from a small random grammar): 21's stand-in, not Shakespeare."""
    rng = np.random.default_rng(seed)
    pick = lambda kind: _WORDS[kind][rng.integers(len(_WORDS[kind]))]
    parts, size = [], 0
    while size < num_chars:
        lines = []
        for _ in range(rng.integers(1, 4)):
            sentence = f"{pick('subject')} {pick('verb')} {pick('object')}"
            if rng.random() < 0.5:
                sentence += f" {pick('tail')}"
            sentence = sentence[0].upper() + sentence[1:]
            lines.append(f"{pick('call')}! {sentence}." if rng.random() < 0.3 else sentence + rng.choice([".", "?", ","]))
        block = f"{_SPEAKERS[rng.integers(len(_SPEAKERS))]}:\n" + "\n".join(lines) + "\n\n"
        parts.append(block)
        size += len(block)
    return "".join(parts)[:num_chars]


# German -> English sentence pairs from a small template grammar: the planned sequence-to-sequence notebook's stand-in, not real translations.
_DE_EN_SUBJECTS = (  # (German, English, person: 0 ich, 1 du, 2 er/sie/es, 3 wir, 4 sie (plural))
    ("ich", "I", 0), ("du", "you", 1), ("er", "he", 2), ("sie", "she", 2), ("wir", "we", 3),
    ("der Mann", "the man", 2), ("die Frau", "the woman", 2), ("das Kind", "the child", 2), ("die Kinder", "the children", 4),
)
_DE_EN_VERBS = (  # (German present by person, English base and third person, German and English participles)
    (("sehe", "siehst", "sieht", "sehen", "sehen"), ("see", "sees"), "gesehen", "seen"),
    (("kaufe", "kaufst", "kauft", "kaufen", "kaufen"), ("buy", "buys"), "gekauft", "bought"),
    (("finde", "findest", "findet", "finden", "finden"), ("find", "finds"), "gefunden", "found"),
    (("brauche", "brauchst", "braucht", "brauchen", "brauchen"), ("need", "needs"), "gebraucht", "needed"),
    (("lese", "liest", "liest", "lesen", "lesen"), ("read", "reads"), "gelesen", "read"),
    (("nehme", "nimmst", "nimmt", "nehmen", "nehmen"), ("take", "takes"), "genommen", "taken"),
)
_DE_EN_OBJECTS = (
    ("den Hund", "the dog"), ("die Katze", "the cat"), ("das Buch", "the book"), ("den Brief", "the letter"),
    ("das Auto", "the car"), ("die Zeitung", "the newspaper"), ("einen Apfel", "an apple"),
)
_DE_EN_TIMES = (("", ""), ("heute", "today"), ("gestern", "yesterday"), ("oft", "often"), ("wieder", "again"))
_HABEN = ("habe", "hast", "hat", "haben", "haben")


def de_en_pairs(n: int = 8000, seed: int = 0) -> list:
    """Course-generated German -> English sentence pairs from a small template grammar (present and perfect tense).

    load_pairs("de_en")'s offline stand-in: 3,323 distinct pairs (n=8000, seed=0) over about 50 German and 40 English words; the
    perfect tense puts the German participle at the end of the sentence, so a translation has to reorder.
    """
    rng = np.random.default_rng(seed)
    pairs = set()
    for _ in range(n):
        de_subject, en_subject, person = _DE_EN_SUBJECTS[rng.integers(len(_DE_EN_SUBJECTS))]
        de_forms, en_forms, de_participle, en_participle = _DE_EN_VERBS[rng.integers(len(_DE_EN_VERBS))]
        de_object, en_object = _DE_EN_OBJECTS[rng.integers(len(_DE_EN_OBJECTS))]
        de_time, en_time = _DE_EN_TIMES[rng.integers(len(_DE_EN_TIMES))]
        if rng.random() < 0.5:  # present: Ich sehe heute den Hund. -> I see the dog today.
            de = [de_subject, de_forms[person], de_time, de_object]
            en = [en_subject, en_forms[person == 2], en_object, en_time]
        else:  # perfect: Ich habe heute den Hund gesehen. -> I have seen the dog today.
            de = [de_subject, _HABEN[person], de_time, de_object, de_participle]
            en = [en_subject, "has" if person == 2 else "have", en_participle, en_object, en_time]
        de_text, en_text = " ".join(w for w in de if w), " ".join(w for w in en if w)
        pairs.add((de_text[0].upper() + de_text[1:] + ".", en_text[0].upper() + en_text[1:] + "."))
    return sorted(pairs)


# Ham-like and spam-like emails from a small random grammar: notebook 18's stand-in, not real emails.
_EMAIL_WORDS = {
    "ham_subject": ("Re: patch for the build", "meeting notes", "Re: kernel panic on boot", "python script question",
                    "Re: list archive moved", "bug in the installer", "Re: CVS update", "draft of the paper"),
    "ham": ("the patch fixes the build", "I tried the new kernel", "thanks for the quick reply", "see the list archive",
            "the python script fails on linux", "can you check the config file", "we meet on thursday at the office",
            "the bug is in the installer", "I will send the draft tomorrow", "it compiles with gcc now",
            "the server was down last night", "please review the code before friday", "any ideas why the test fails"),
    "spam_subject": ("FREE offer inside", "Make money fast", "You have been selected", "Lowest rates guaranteed",
                     "Re: your account", "Limited time only", "Earn $5000 a week", "Cheap meds online"),
    "spam": ("click here to claim your free gift", "make money from home", "this offer expires today",
             "order now and save 70%", "no credit check needed", "you have won a cash prize", "call now toll free",
             "lose weight fast with our pills", "to be removed from our list click here", "100% guaranteed",
             "earn thousands of dollars every week", "act now this is not a scam", "best rates on your mortgage"),
    "both": ("please let me know", "you can reply to this email", "thanks", "regards", "see the link below",
             "this is the last time", "have a nice day", "more information on the web site"),
}


def emails(n: int = 3000, seed: int = 0) -> tuple:
    """n course-generated emails, about a third spam-like: (texts, groups), each text a subject line and a body.

    Notebook 18's offline stand-in, not real email: sentences drawn from a small random grammar of ham-like
    (software, meetings) and spam-like (offers, money) phrases, with shared filler and one sentence in ten
    taken from the other kind, so that single words do not decide the label.
    """
    rng = np.random.default_rng(seed)
    pick = lambda kind: _EMAIL_WORDS[kind][rng.integers(len(_EMAIL_WORDS[kind]))]
    texts, groups = [], []
    for _ in range(n):
        kind = "spam" if rng.random() < 1 / 3 else "ham"
        other = "ham" if kind == "spam" else "spam"
        sentences = []
        for _ in range(rng.integers(3, 9)):
            draw = rng.random()
            sentences.append(pick("both") if draw < 0.3 else pick(other) if draw < 0.4 else pick(kind))
        body = ". ".join(s[0].upper() + s[1:] for s in sentences) + "."
        texts.append(pick(f"{kind}_subject") + "\n" + (body.upper() if kind == "spam" and rng.random() < 0.2 else body))
        groups.append(f"{kind} (stand-in)")
    return texts, groups


# --- reading passages for extractive question answering (22) ---------------------------------

QA_NAMES = (  # the people, places and jobs of the reading passages: 22 uses them for its baselines
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kofi", "Lena",
    "Marco", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Yusuf",
)
QA_CITIES = (
    "Lima", "Oslo", "Cairo", "Dublin", "Nairobi", "Madrid", "Kyoto", "Quito", "Lisbon", "Hanoi", "Tunis", "Porto",
    "New York", "Cape Town", "Buenos Aires", "Hong Kong", "San Diego", "Tel Aviv", "Rio de Janeiro", "Kuala Lumpur",
)
QA_JOBS = (
    "nurse", "pilot", "baker", "lawyer", "farmer", "dentist", "chemist", "plumber", "librarian", "journalist",
    "bus driver", "piano teacher", "software engineer", "fire fighter", "police officer", "tax adviser",
)
_QA_HOME = (  # sentences that state where {n} lives
    "{n} lives in {c}.", "{n}'s home is in {c}.", "{c} is where {n} lives.", "{n} has a flat in {c}.",
    "These days {n} lives in {c}.", "{n} settled in {c} years ago.",
)
_QA_JOB = (  # sentences that state {n}'s job
    "{n} works as a {j}.", "{n} is a {j}.", "By trade, {n} is a {j}.", "{n} earns a living as a {j}.",
    "The {j} in the group is {n}.",
)
_QA_DISTRACT = (  # true-sounding sentences whose city, job or year answers nothing about {n}
    "{n} once visited {c}.", "{n} met {m} in {c}.", "{n} wants to become a {j}.", "{n}'s sister is a {j}.",
    "{n} flew to {c} in {y}.", "{m} and {n} talked about {c}.", "{n}'s father was a {j}.",
    "{m} called {n} from {c}.", "{n} never liked the {j} next door.",
)
_QA_QUESTIONS = {
    "where": ("Where does {n} live?", "In which city does {n} live?", "Which city is {n}'s home?", "Where is {n}'s home?"),
    "job": ("What does {n} do?", "What is {n}'s job?", "What does {n} work as?", "What is {n}'s profession?"),
    "who_city": ("Who lives in {c}?", "Whose home is in {c}?", "Which person lives in {c}?"),
    "who_job": ("Who is the {j}?", "Who works as a {j}?", "Which person is a {j}?"),
}


def reading_passages(n: int, seed: int, num_people: int = 3) -> list:
    """n course-generated reading examples for extractive question answering (22), SQuAD-shaped, deterministic by seed.

    Each passage describes num_people people, each with a home city and a job, in shuffled
    sentences of varied wording, mixed with distractor sentences that name other people, cities,
    jobs and years; one question is asked about it, and its answer is a span of the passage. Each
    example is a dict ``{"context", "question", "answers": [{"text", "answer_start"}], "kind"}``,
    where ``answer_start`` is a character offset, as in SQuAD 1.1.
    """
    if n < 1 or num_people < 2 or num_people > 6:
        raise ValueError(f"reading_passages needs n >= 1 and 2 <= num_people <= 6, got n={n}, num_people={num_people}.")
    rng = np.random.default_rng(seed)
    choose = lambda options: options[rng.integers(len(options))]
    kinds = tuple(_QA_QUESTIONS)
    examples = []
    for _ in range(n):
        names = [QA_NAMES[k] for k in rng.choice(len(QA_NAMES), num_people + 1, replace=False)]
        people, outsider = names[:num_people], names[num_people]  # the outsider appears in distractors only
        cities = [QA_CITIES[k] for k in rng.choice(len(QA_CITIES), num_people + 2, replace=False)]
        jobs = [QA_JOBS[k] for k in rng.choice(len(QA_JOBS), num_people + 2, replace=False)]
        years = [str(y) for y in rng.choice(np.arange(1950, 2011), num_people + 2, replace=False)]
        sentences, stated = [], {}  # stated[(person, fact kind)]: the index of the sentence that states it
        for k, person in enumerate(people):
            for fact, templates, value in (("city", _QA_HOME, {"c": cities[k]}), ("job", _QA_JOB, {"j": jobs[k]})):
                stated[k, fact] = len(sentences)
                sentences.append(choose(templates).format(n=person, **value))
        for _ in range(int(rng.integers(num_people - 1, num_people + 2))):
            person = choose(people + [outsider])
            other = choose([p for p in people + [outsider] if p != person])
            # a distractor names any city, job or year except the person's own (so it never contradicts a fact)
            own = people.index(person) if person in people else len(cities)
            sentences.append(choose(_QA_DISTRACT).format(
                n=person, m=other,
                c=choose([c for i, c in enumerate(cities) if i != own]),
                j=choose([j for i, j in enumerate(jobs) if i != own]),
                y=choose([y for i, y in enumerate(years) if i != own]),
            ))
        order = [int(k) for k in rng.permutation(len(sentences))]
        context = " ".join(sentences[k] for k in order)
        kind = choose(kinds)
        asked = int(rng.integers(num_people))
        question = choose(_QA_QUESTIONS[kind]).format(n=people[asked], c=cities[asked], j=jobs[asked])
        answer = {"where": cities[asked], "job": jobs[asked]}.get(kind, people[asked])
        where = stated[asked, {"where": "city", "job": "job", "who_city": "city", "who_job": "job"}[kind]]
        position = order.index(where)  # the answer is a span of the one sentence that states the fact
        start = sum(len(sentences[k]) + 1 for k in order[:position]) + sentences[where].index(answer)
        examples.append({"context": context, "question": question, "answers": [{"text": answer, "answer_start": start}], "kind": kind})
    return examples


SENSOR_FEATURES = tuple(f"f{i}" for i in range(1, 10))


def sensor_table(n: int = 20_000, anomaly_rate: float = 0.07, seed: int = 0) -> tuple:
    """A course-generated table shaped like the Shuttle anomaly set (9 whole-number readings): (X, y), not real data.

    Normal rows are noisy smooth functions of three hidden factors, in one of three operating modes;
    an anomaly (y = 1) is a normal row with one to three readings pushed far off by a simulated fault,
    so it lies off the normal rows' surface, often without any single reading being out of range.
    """
    if not 0 < anomaly_rate < 1:
        raise ValueError(f"anomaly_rate must be between 0 and 1, got {anomaly_rate}.")
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=(n, 3))
    mode = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    centres = np.array([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5], [-1.5, 1.5, -1.0]])
    h = hidden * 0.6 + centres[mode]
    mixing = rng.normal(size=(3, 9))
    X = 10 * np.tanh(h @ mixing / 2) + 5 * np.sin(h[:, [0]] * np.arange(1, 10) / 3) + rng.normal(0, 0.6, size=(n, 9))
    y = (rng.random(n) < anomaly_rate).astype(np.int64)
    for row in np.flatnonzero(y):
        broken = rng.choice(9, size=int(rng.integers(1, 4)), replace=False)
        X[row, broken] += rng.choice([-1, 1], size=len(broken)) * rng.uniform(4, 12, size=len(broken))
    return np.round(X * 4 + 40).astype(np.float64), y


def ratings_table(num_users: int = 3_000, num_items: int = 1_100, num_ratings: int = 70_000, num_groups: int = 14,
                  rank: int = 4, seed: int = 0) -> tuple:
    """Course-generated 1-5 ratings shaped like InstEval: (users, items, ratings, item_groups), one row per rating, not real data.

    Each item belongs to one of num_groups groups ("departments"); each user has a home group and rates mostly its
    items, popular ones more often. How many ratings a user gives and an item gets has a long tail (log-normal). A
    rating is a global mean plus a user bias, an item bias, a rank-``rank`` interaction (item factors cluster by group)
    and noise, rounded and clipped to 1-5. Ids are not 0..n-1: users are numbered from 1, items are 1..2*num_items
    with gaps, as in the real table. Written for 32.
    """
    if min(num_users, num_items, num_groups, rank) < 1 or not num_users <= num_ratings <= num_users * num_items // 4:
        raise ValueError(f"need positive sizes and num_users <= num_ratings <= num_users * num_items / 4, got "
                         f"{num_users} users, {num_items} items, {num_ratings} ratings, {num_groups} groups, rank {rank}.")
    rng = np.random.default_rng(seed)
    group = rng.choice(num_groups, size=num_items, p=rng.dirichlet(np.full(num_groups, 5.0)))
    popularity = rng.lognormal(0.0, 1.0, size=num_items)
    activity = rng.lognormal(0.0, 0.8, size=num_users)
    per_user = np.clip(np.round(activity / activity.sum() * num_ratings), 1, num_items // 4).astype(int)
    home = rng.choice(group, size=num_users)  # a user's home group, drawn as items are spread over groups
    users, items = [], []
    for user in range(num_users):
        weight = popularity * np.where(group == home[user], 40.0, 1.0)  # mostly the home group's popular items
        chosen = rng.choice(num_items, size=per_user[user], replace=False, p=weight / weight.sum())
        users.append(np.full(len(chosen), user))
        items.append(chosen)
    users, items = np.concatenate(users), np.concatenate(items)
    centres = rng.normal(0.0, 0.7, size=(num_groups, rank))
    item_factors = centres[group] + rng.normal(0.0, 0.5, size=(num_items, rank))
    user_factors = rng.normal(0.0, 0.5, size=(num_users, rank))
    user_bias, item_bias = rng.normal(0.0, 0.45, size=num_users), rng.normal(0.0, 0.55, size=num_items)
    score = (3.25 + user_bias[users] + item_bias[items] + np.sum(user_factors[users] * item_factors[items], axis=1)
             + rng.normal(0.0, 0.8, size=len(users)))
    ratings = np.clip(np.round(score), 1, 5)
    item_ids = np.sort(rng.choice(np.arange(1, 2 * num_items + 1), size=num_items, replace=False))
    order = rng.permutation(len(users))
    return ((users + 1)[order].astype(np.int64), item_ids[items][order].astype(np.int64), ratings[order].astype(np.float64),
            (group[items] + 1)[order].astype(np.int64))


CENSUS_OCCUPATIONS = ("Adm-clerical", "Craft-repair", "Exec-managerial", "Other-service", "Prof-specialty", "Sales")
CENSUS_NUMERIC = ("age", "education_num", "hours_per_week")  # census_table's numeric columns (float64); the others are categories


def census_table(num_train: int = 8_000, num_test: int = 4_000, seed: int = 0) -> tuple:
    """A course-generated census-like table with a protected attribute: (train columns, y_train, test columns, y_test), not real data.

    Columns as in UCI Adult: numbers ``CENSUS_NUMERIC`` (``age``, ``education_num``, ``hours_per_week``); categories
    ``occupation``, ``relationship``, ``race``, ``sex``. The label is 1 for "income > 50K". Built-in, on purpose:

    - a base-rate gap: about 31 % of the "Male" rows are positive against about 13 % of the "Female" rows
      (UCI Adult's 31 % and 11 %), from longer hours, a different mix of occupations, and a direct term for sex;
    - a proxy: ``relationship`` is "Husband" or "Wife" for the married, so it gives sex away for most rows.
    """
    if num_train < 1 or num_test < 1:
        raise ValueError(f"num_train and num_test must be positive, got {num_train} and {num_test}.")
    rng = np.random.default_rng(seed)
    n = num_train + num_test
    male = rng.random(n) < 0.67
    age = np.clip(np.round(rng.gamma(6.0, 6.5, size=n)), 17, 90)
    education_num = np.clip(np.round(rng.normal(10.0, 2.5, size=n)), 1, 16)
    hours_per_week = np.clip(np.round(rng.normal(np.where(male, 43.0, 36.0), 11.0)), 1, 99)
    men_jobs, women_jobs = [0.08, 0.25, 0.17, 0.12, 0.16, 0.22], [0.33, 0.03, 0.10, 0.24, 0.17, 0.13]
    job = np.where(male, rng.choice(6, size=n, p=men_jobs), rng.choice(6, size=n, p=women_jobs))
    married = rng.random(n) < np.clip((age - 18) / 30, 0.05, 0.75)
    single = np.where(age < 26, "Own-child", np.where(rng.random(n) < np.where(male, 0.2, 0.45), "Unmarried", "Not-in-family"))
    relationship = np.where(married, np.where(male, "Husband", "Wife"), single)
    race = rng.choice(np.array(["White", "Black", "Asian-Pac-Islander", "Other"]), size=n, p=[0.85, 0.1, 0.03, 0.02])
    job_effect = np.array([-0.4, 0.0, 1.3, -1.4, 1.1, 0.2])[job]
    logit = (-14.6 + 0.6 * education_num + 0.05 * np.minimum(age, 60) + 0.06 * hours_per_week + 1.5 * job_effect
             + 2.2 * married + 1.0 * male)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    columns = {"age": age, "education_num": education_num, "hours_per_week": hours_per_week,
               "occupation": np.array(CENSUS_OCCUPATIONS)[job], "relationship": relationship, "race": race,
               "sex": np.where(male, "Male", "Female")}
    train = {name: values[:num_train] for name, values in columns.items()}
    test = {name: values[num_train:] for name, values in columns.items()}
    return train, y[:num_train], test, y[num_train:]
