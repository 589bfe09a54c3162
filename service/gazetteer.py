"""Which names are countries and which are US states: a small, fixed gazetteer.

News questions often ask "which country", "which state" or "which city", and the candidate
spans of an answer are mostly names of the wrong kind of place or of no place at all. These
two lists (UN members and observers with their everyday short names, and the fifty US states
with the District of Columbia) let span scoring tell "California" from "Education" when a
state is asked for, and rule out a country or state when a city is. Cities are not listed:
there are too many to know them all.
"""

from __future__ import annotations

import re

COUNTRIES = frozenset(
    name.lower()
    for name in """
Afghanistan|Albania|Algeria|Andorra|Angola|Antigua and Barbuda|Argentina|Armenia|Australia|
Austria|Azerbaijan|Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|
Bolivia|Bosnia and Herzegovina|Bosnia|Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|
Cabo Verde|Cape Verde|Cambodia|Cameroon|Canada|Central African Republic|Chad|Chile|China|
Colombia|Comoros|Congo|Democratic Republic of the Congo|DR Congo|DRC|Costa Rica|Ivory Coast|
Côte d'Ivoire|Croatia|Cuba|Cyprus|Czech Republic|Czechia|Denmark|Djibouti|Dominica|
Dominican Republic|Ecuador|Egypt|El Salvador|Equatorial Guinea|Eritrea|Estonia|Eswatini|
Swaziland|Ethiopia|Fiji|Finland|France|Gabon|Gambia|Georgia|Germany|Ghana|Greece|Grenada|
Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|Honduras|Hungary|Iceland|India|Indonesia|Iran|
Iraq|Ireland|Israel|Italy|Jamaica|Japan|Jordan|Kazakhstan|Kenya|Kiribati|Kuwait|Kyrgyzstan|
Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|
Malawi|Malaysia|Maldives|Mali|Malta|Marshall Islands|Mauritania|Mauritius|Mexico|Micronesia|
Moldova|Monaco|Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Burma|Namibia|Nauru|Nepal|
Netherlands|Holland|New Zealand|Nicaragua|Niger|Nigeria|North Korea|North Macedonia|Macedonia|
Norway|Oman|Pakistan|Palau|Palestine|Panama|Papua New Guinea|Paraguay|Peru|Philippines|
Poland|Portugal|Qatar|Romania|Russia|Russian Federation|Rwanda|Saint Kitts and Nevis|
Saint Lucia|Saint Vincent and the Grenadines|Samoa|San Marino|Sao Tome and Principe|
Saudi Arabia|Senegal|Serbia|Seychelles|Sierra Leone|Singapore|Slovakia|Slovenia|
Solomon Islands|Somalia|South Africa|South Korea|Korea|South Sudan|Spain|Sri Lanka|Sudan|
Suriname|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Timor-Leste|
East Timor|Togo|Tonga|Trinidad and Tobago|Tunisia|Turkey|Türkiye|Turkmenistan|Tuvalu|Uganda|
Ukraine|United Arab Emirates|UAE|United Kingdom|UK|U.K.|Britain|Great Britain|England|
Scotland|Wales|Northern Ireland|United States|United States of America|US|U.S.|USA|U.S.A.|
America|Uruguay|Uzbekistan|Vanuatu|Vatican|Vatican City|Holy See|Venezuela|Vietnam|Yemen|
Zambia|Zimbabwe|Kosovo
""".replace("\n", "").split("|")
    if name
)

US_STATES = frozenset(
    name.lower()
    for name in """
Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|
Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|
Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|
New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|
Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|
West Virginia|Wisconsin|Wyoming|District of Columbia
""".replace("\n", "").split("|")
    if name
)
# Words for a people, a region's people or a party, written with a capital but used as
# adjectives ("the American poet", "a Republican candidate", "Russian missiles"): no answer
# to "which poet" or "which city", only to a question about nationality, party or faith.
DEMONYMS = frozenset(
    """american americans british english french german italian spanish portuguese russian
    russians ukrainian ukrainians chinese japanese korean indian pakistani afghan iranian iraqi
    israeli israelis palestinian palestinians lebanese syrian saudi turkish egyptian mexican
    canadian brazilian argentine australian european europeans african asian western eastern
    northern southern republican republicans democratic democrat democrats gop christian
    catholic muslim jewish arab latino hispanic dutch swedish norwegian danish finnish polish
    greek irish scottish welsh nigerian venezuelan cuban colombian haitian taiwanese
    vietnamese thai filipino indonesian martian hawaiian californian texan floridian""".split()  # noqa: SIM905
)
# Target nouns a people's or party's word does answer.
DEMONYM_TARGETS = frozenset(
    {"nationality", "party", "religion", "faith", "language", "ethnicity", "citizenship", "descent"}
)
# Names that are a city as well: never ruled out when a city is asked for.
_ALSO_CITIES = frozenset(
    {"new york", "washington", "singapore", "monaco", "vatican city", "kuwait", "djibouti"}
)
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?$")

# The question's target noun (normalized, as QuestionProfile.target) -> the places it asks for.
_PLACE_TARGETS = {"countri": "country", "nation": "country", "state": "state", "citi": "city"}


# Countries that news names by a short form too: "the US" in a question is the United States
# of the answer. Abbreviations are matched as written (capitals), never the pronoun "us".
_SHORT_FORMS = {
    "united states": ("US", "U.S.", "USA", "U.S.A.", "America"),
    "united kingdom": ("UK", "U.K.", "Britain", "Great Britain"),
    "united arab emirates": ("UAE", "U.A.E."),
}


# Capitals that news writes for their country's government ("Moscow plans to ...", "talks
# between Washington and Islamabad"): a question naming one names the country. Not
# Jerusalem, whose status as a capital is disputed.
CAPITALS = {
    "russia": ("Moscow",),
    "united states": ("Washington",),
    "china": ("Beijing",),
    "ukraine": ("Kyiv", "Kiev"),
    "united kingdom": ("London",),
    "france": ("Paris",),
    "germany": ("Berlin",),
    "japan": ("Tokyo",),
    "iran": ("Tehran",),
    "afghanistan": ("Kabul",),
    "pakistan": ("Islamabad",),
    "india": ("New Delhi",),
    "turkey": ("Ankara",),
    "saudi arabia": ("Riyadh",),
    "egypt": ("Cairo",),
    "syria": ("Damascus",),
    "iraq": ("Baghdad",),
    "north korea": ("Pyongyang",),
    "south korea": ("Seoul",),
    "taiwan": ("Taipei",),
    "canada": ("Ottawa",),
    "lebanon": ("Beirut",),
    "qatar": ("Doha",),
    "belarus": ("Minsk",),
    "venezuela": ("Caracas",),
    "cuba": ("Havana",),
}


def named_by_another_form(text: str, question: str) -> bool:
    """Whether the question names the place `text` in another of its forms ("United States"
    where the question says "the US", "Britain" where it says "the UK", "Russia" where it
    says "Moscow")."""
    name = _place_name(text)
    for full, short in _SHORT_FORMS.items():
        if name in (full, *(s.lower() for s in short)):
            name = full
            break
    forms = (*_SHORT_FORMS.get(name, ()), *CAPITALS.get(name, ()))
    if not forms:
        return False
    return any(
        re.search(rf"(?<![\w.]){re.escape(f)}(?![\w])", question) for f in (name.title(), *forms)
    )


def place_kind(target: str | None) -> str | None:
    """'country', 'state' or 'city' when the question's target noun asks for one; else None."""
    return _PLACE_TARGETS.get(target or "")


def is_demonym(text: str) -> bool:
    """Whether `text` is one word for a people or a party ("American", "Republican")."""
    return text.strip().lower() in DEMONYMS


def _place_name(text: str) -> str:
    """A place name as the lists hold it: lowercase, no "the", no possessive."""
    return _POSSESSIVE.sub("", _THE.sub("", text.strip())).lower()


def is_listed_place(text: str) -> bool:
    """Whether `text` is a country or a US state of the lists."""
    name = _place_name(text)
    return name in COUNTRIES or name in US_STATES


# A name no list holds, where a country is asked: the country list is whole (every UN member
# and observer, their short forms, the UK's nations, Taiwan, Kosovo), so such a name is most
# likely no country ("East African", "Eastern Province"); a penalty, not a veto, for the few
# places asked as countries that no list holds ("Hong Kong", "Greenland").
UNLISTED_COUNTRY = -0.5


def place_fit(text: str, asked: str) -> float:
    """+1 when `text` is a place of the kind asked for, -1 when it is a listed place of
    another kind (a country or state where a city is asked), UNLISTED_COUNTRY for a name that
    no list holds where a country is asked, else 0: the lists cannot tell ("which state" may
    be an Indian or an Australian one, and cities are too many to list)."""
    name = _place_name(text)
    country, state = name in COUNTRIES, name in US_STATES
    if asked == "country":
        return 1.0 if country else (-1.0 if state else UNLISTED_COUNTRY)
    if asked == "state":
        return 1.0 if state else (-1.0 if country else 0.0)
    if asked == "city" and (country or state) and name not in _ALSO_CITIES:
        return -1.0
    return 0.0
