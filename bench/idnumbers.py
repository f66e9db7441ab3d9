"""Valid 18-digit resident ID numbers (GB 11643-1999) for generated applicants."""
import datetime as dt
import random

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11


def check_digit(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the check digit needs exactly 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number(rng: random.Random, region: str = "411402") -> str:
    """Region code + birth date (1960-2000) + 3-digit sequence + check digit."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(40 * 365))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1, 1000):03d}"
    return first17 + check_digit(first17)


def mobile(rng: random.Random) -> str:
    return f"13{rng.randrange(8, 10)}{rng.randrange(10**8):08d}"
