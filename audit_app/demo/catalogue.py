"""Reference lists for the demo data: collectorates, trade partners, currencies, agreements, SROs.

Weights are relative frequencies tuned to look like Pakistan's import trade (Karachi's three
collectorates clear most of it; China is the dominant origin, then the Gulf, South-East Asia,
the EU, Japan and the US). Everything here is demo data, not law.
"""
from __future__ import annotations

from typing import NamedTuple

from .goods import BY_CODE

# Collectorate -> (weight, city code used in clearing-agent licences).
COLLECTORATES: dict[str, tuple[int, str]] = {
    "KAPW": (30, "KHI"), "KAPE": (22, "KHI"), "PQIM": (22, "KHI"),
    "LAHD": (9, "LHE"), "ISBD": (5, "ISB"), "FSLD": (4, "FSD"),
    "SKTD": (3, "SKT"), "PSWD": (3, "PSW"), "QTAD": (2, "UET"),
}

# GD type codes: home consumption dominates; ex-bond and temporary import are occasional.
GD_TYPES = (("HC", 92), ("EB", 5), ("TI", 3))
CHANNELS = ("GREEN", "YELLOW", "RED")

# Where each line of business buys from (country -> weight).
SECTOR_ORIGINS: dict[str, dict[str, int]] = {
    "ELEC": {"CN": 60, "KR": 6, "JP": 5, "TH": 6, "MY": 5, "AE": 6, "TR": 3, "VN": 3},
    "COMP": {"CN": 55, "AE": 10, "US": 6, "SG": 6, "MY": 6, "KR": 5, "VN": 5},
    "SOLAR": {"CN": 85, "AE": 5, "VN": 4, "MY": 3, "DE": 3},
    "MACH": {"CN": 45, "DE": 12, "JP": 9, "IT": 8, "TR": 6, "KR": 6, "US": 5, "GB": 3},
    "TEXT": {"CN": 40, "ID": 10, "TH": 8, "TR": 8, "MY": 5, "KR": 5, "US": 9, "BR": 4, "LK": 3},
    "GARM": {"CN": 45, "TR": 12, "BD": 8, "VN": 8, "TH": 6, "AE": 8, "LK": 3},
    "CHEM": {"CN": 40, "SA": 12, "DE": 8, "IN": 6, "KR": 7, "US": 6, "TH": 6, "MY": 5},
    "PHAR": {"CN": 45, "IN": 15, "DE": 10, "IT": 8, "GB": 6, "US": 6, "CH": 6},
    "PLAS": {"SA": 25, "CN": 25, "KR": 12, "TH": 10, "MY": 8, "AE": 10, "SG": 6},
    "STEEL": {"CN": 40, "JP": 12, "KR": 10, "TR": 8, "AE": 8, "GB": 8, "US": 8, "ID": 4},
    "AUTO": {"JP": 30, "CN": 30, "TH": 15, "KR": 8, "DE": 6, "ID": 6, "MY": 5},
    "FOOD": {"MY": 15, "ID": 14, "US": 10, "BR": 8, "CA": 8, "AU": 7, "AE": 8, "CN": 10,
             "TH": 6, "LK": 4, "TR": 4, "KE": 6},
    "AGRI": {"CN": 40, "SA": 12, "US": 10, "DE": 8, "IN": 8, "BR": 6, "TH": 6},
    "COSM": {"FR": 12, "AE": 18, "CN": 25, "TR": 12, "TH": 10, "GB": 8, "US": 7, "IT": 8},
    "HOUSE": {"CN": 55, "TR": 10, "AE": 8, "IT": 6, "MY": 6, "TH": 6, "VN": 6, "ID": 3},
    "BULD": {"CN": 45, "AE": 10, "TR": 8, "ID": 8, "IT": 6, "MY": 6, "AU": 5, "SA": 6},
    "PAPER": {"CN": 35, "ID": 18, "US": 10, "TH": 8, "KR": 8, "DE": 6, "MY": 8, "SE": 4},
    "MED": {"CN": 45, "DE": 12, "US": 10, "JP": 8, "KR": 8, "MY": 7, "GB": 5, "CH": 5},
}

# Importers' primary line of business -> weight.
SECTOR_WEIGHTS: dict[str, int] = {
    "ELEC": 12, "COMP": 8, "SOLAR": 5, "MACH": 9, "TEXT": 10, "GARM": 5, "CHEM": 9,
    "PHAR": 5, "PLAS": 7, "STEEL": 7, "AUTO": 7, "FOOD": 9, "AGRI": 4, "COSM": 4,
    "HOUSE": 7, "BULD": 5, "PAPER": 4, "MED": 3,
}

# Hubs goods are shipped through on their way to Pakistan.
TRANSIT_HUBS = {"AE": 70, "SG": 20, "HK": 10}

# Units per one US dollar on the first day (a random walk moves them; AED is pegged).
CURRENCIES_PER_USD: dict[str, float] = {
    "USD": 1.0, "EUR": 0.92, "CNY": 7.2, "AED": 3.6725, "JPY": 148.0, "GBP": 0.79,
}
PKR_PER_USD_START = 286.0
# Invoice currency by origin (others invoice in USD).
ORIGIN_CURRENCY: dict[str, tuple[str, int]] = {
    "CN": ("CNY", 15), "AE": ("AED", 30), "JP": ("JPY", 45), "GB": ("GBP", 55),
    "DE": ("EUR", 65), "IT": ("EUR", 65), "FR": ("EUR", 65), "SE": ("EUR", 40),
}


class Agreement(NamedTuple):
    code: str
    partner: str
    share: float              # share of eligible codes that get a preference
    sectors: frozenset[str]   # lines of business the concessions are negotiated for
    forced: tuple[str, ...]   # codes always covered (headline concessions)


AGREEMENTS: tuple[Agreement, ...] = (
    Agreement("CPFTA", "CN", 0.55, frozenset(), ()),  # empty sectors: any
    Agreement("PMFTA", "MY", 0.35, frozenset({"FOOD", "PLAS", "CHEM", "ELEC", "PAPER"}),
              ("15111000", "15119000")),
    Agreement("PSFTA", "LK", 0.35, frozenset({"FOOD", "TEXT", "GARM", "AUTO"}), ("09024000",)),
    Agreement("PIPTA", "ID", 0.30, frozenset({"FOOD", "PAPER", "AUTO", "TEXT", "BULD"}),
              ("15111000", "15119000", "48025590")),
    Agreement("PTTGA", "TR", 0.30, frozenset({"TEXT", "GARM", "HOUSE", "STEEL"}), ()),
)
AGREEMENT_BY_PARTNER = {a.partner: a for a in AGREEMENTS}
# Where goods falsely claimed under an agreement really come from: none is a partner.
NON_PARTNER_ORIGINS = {"IN": 30, "VN": 25, "TH": 20, "BD": 10, "AE": 10, "SG": 5}


class Concession(NamedTuple):
    sro_ref: str
    entitled: frozenset[str]       # importer lines of business entitled to claim it
    codes: frozenset[str]          # PCT codes it covers
    rates: dict[str, int]          # levy -> concessionary rate replacing the tariff rate


# Demo semantics only. The canonical files carry no SRO table, so a consumer that recomputes
# duty *paid* must know these; the short levy of a CONCESSION finding needs only the tariff.
CONCESSIONS: tuple[Concession, ...] = (
    Concession("SRO 575(I)/2006",  # plant and machinery for manufacturers
               frozenset({"TEXT", "CHEM", "PLAS", "FOOD", "PHAR", "PAPER"}),
               frozenset({"84452000", "84463000", "84472000", "84798990", "84771000",
                          "84224000", "84213990", "84212100", "84186990", "84581100",
                          "85015200", "85021200"}),
               {"cd": 0, "acd": 0}),
    Concession("SRO 1125(I)/2011",  # inputs of the export-oriented textile sector
               frozenset({"TEXT", "GARM"}),
               frozenset({"52010090", "52051200", "54023300", "54024400", "55032000",
                          "55041000", "32041600", "60041000", "54076100", "41079900"}),
               {"st": 5, "ast": 0}),
    Concession("SRO 565(I)/2006",  # pharmaceutical raw materials for registered manufacturers
               frozenset({"PHAR"}),
               frozenset({"29362700", "29411000", "29420000", "29242990"}),
               {"cd": 0, "acd": 0}),
)
CONCESSION_BY_REF = {c.sro_ref: c for c in CONCESSIONS}

FRAUD_KINDS = ("UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY")
# Relative frequency of each kind among planted frauds.
FRAUD_KIND_WEIGHTS = {"UNDERVALUATION": 35, "MISCLASSIFICATION": 22, "ORIGIN": 13,
                      "CONCESSION": 12, "QUANTITY": 18}

# Name parts for importers: "<prefix> <word> <suffix>".
NAME_PREFIXES = (
    "Al-Noor", "Crescent", "Habib", "Madina", "Indus", "Pak", "Sapphire", "Gul", "Shan",
    "Zamzam", "Faisal", "Punjab", "Lucky", "Star", "Royal", "Ittehad", "Sitara", "Hilal",
    "Mehran", "Ravi", "Chenab", "Jhelum", "Khyber", "Margalla", "Karakoram", "Sadiq",
    "Rehman", "Qadri", "Butt", "Sheikh", "Malik", "Chaudhry", "Mughal", "Siddiqui", "Ansari",
    "Haji Ismail", "Bismillah", "Al-Karam", "Al-Rehman", "Kohinoor", "Prime", "United",
    "National", "Metro", "Golden", "Super", "Universal", "Continental", "Attock", "Bolan",
    "Hamza", "Usman", "Bilal", "Ghani", "Latif", "Shafi", "Younus", "Tariq", "Amin", "Zahid",
)
SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "ELEC": ("Electronics", "Appliances", "Electric Co"), "COMP": ("Technologies", "Computers",
                                                                     "Telecom"),
    "SOLAR": ("Solar Energy", "Power Solutions", "Renewables"), "MACH": ("Engineering",
                                                                     "Machinery", "Industrial"),
    "TEXT": ("Textile Mills", "Spinning Mills", "Fabrics"), "GARM": ("Garments", "Apparel",
                                                                    "Fashions"),
    "CHEM": ("Chemicals", "Chemical Industries", "Dyes & Chemicals"), "PHAR": (
        "Pharmaceuticals", "Pharma", "Laboratories"),
    "PLAS": ("Polymers", "Plastics", "Packages"), "STEEL": ("Steel", "Steel Mills", "Metals"),
    "AUTO": ("Auto Parts", "Motors", "Autos"), "FOOD": ("Foods", "Edible Oils", "Agro"),
    "AGRI": ("Agri Services", "Crop Sciences", "Feeds"), "COSM": ("Cosmetics", "Beauty",
                                                                  "Personal Care"),
    "HOUSE": ("Home Products", "Furnishers", "Household"), "BULD": ("Building Products",
                                                                    "Ceramics", "Glass"),
    "PAPER": ("Paper Products", "Board Mills", "Printers"), "MED": ("Surgical", "Medical",
                                                                    "Healthcare"),
}
NAME_SUFFIXES = (("(Pvt) Ltd", 45), ("Limited", 15), ("Traders", 15), ("Impex", 8),
                 ("Enterprises", 10), ("& Co", 7))
BRANDS = ("HAIER", "GREE", "DAWLANCE", "ORIENT", "SAMSUNG", "TCL", "XIAOMI", "LONGI",
          "JINKO", "GROWATT", "INFINIX", "BOSCH", "SIEMENS", "TOYOTA", "YAMAHA", "UNILEVER",
          "NESTLE", "NOMARK", "GENERIC", "NO BRAND")


def check_catalogue() -> None:
    """Fail fast on an inconsistent catalogue edit (called by the generator and tests)."""
    for agreement in AGREEMENTS:
        assert all(code in BY_CODE for code in agreement.forced), agreement.code
    for concession in CONCESSIONS:
        assert concession.codes <= BY_CODE.keys(), concession.sro_ref
    partners = {a.partner for a in AGREEMENTS}
    assert not partners & NON_PARTNER_ORIGINS.keys()
    assert all(s in SECTOR_ORIGINS and s in SECTOR_WORDS for s in SECTOR_WEIGHTS)
