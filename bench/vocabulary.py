"""The words of the seeded reports (bench/seed.py), most common first: a few thousand
Danish-looking words, so that search at scale meets what it would meet in real reports
(inflected forms that share a stem, stop words, compounds, a long tail of rare words).

The seed draws rank k with probability about 1/(k ln V) (log-uniform: Zipf with s = 1), so
the first words are in most reports and the compounds at the end in a few hundred each.
"""

from __future__ import annotations

# Common small words first (PostgreSQL's Danish stop words among them: never indexed).
SMALL = "og i en på der ved det er har var med som til af fra de om efter nu".split()

# Words of the reports' world, roughly by how often they would appear.
BASE = """
unge gade aften nat larm gruppe bil knallert skole park beboer opgang station butik
politi nabo bus cykel vindue dør kælder trappe plads hjørne tag mand kvinde dreng pige
familie barn mor far bror ven klub hal bane legeplads container brand røg ild graffiti
rude glas sten flaske kniv våben pistol slag spark trussel råb skrig musik fest alkohol
hash narko salg pose penge telefon taske jakke hætte maske tog metro lys lampe mørke
hegn mur port gård blok boligblok sti tunnel bro kanal sø skov have træ busk bænk
affald skrald hund kat rotte mus lugt vand regn sne is weekend morgen middag eftermiddag
uge måned sommer vinter skolegård fritidsklub ungdomsklub gadeplan medarbejder lærer
pædagog vagt betjent patrulje bilist cyklist fodgænger chauffør ejer udlejer vicevært
boligselskab kommune borger ældre gæst turist kunde ekspedient kasse kiosk pizzeria
frisør bager apotek bibliotek kirke moske idrætshal svømmehal fodboldbane parkering
garage skur cykelskur vaskeri elevator altan kontor værksted lager byggeplads stillads
""".split()

# A noun's forms: the stem shared by all four, as in real text.
SUFFIXES = ("", "en", "er", "erne")

# Compounds of the first base words (rare; each is one word to the Danish stemmer).
COMPOUND_HEADS = 50
COMPOUND_TAILS = 50


def words() -> list[str]:
    """The vocabulary, most common first, without repeats."""
    out: list[str] = list(SMALL)
    for suffix in SUFFIXES:  # every base word before any of its rarer inflections
        out += [w + suffix for w in BASE]
    heads, tails = BASE[:COMPOUND_HEADS], BASE[COMPOUND_HEADS : COMPOUND_HEADS + COMPOUND_TAILS]
    out += [h + t for h in heads for t in tails]
    seen: set[str] = set()
    return [w for w in out if not (w in seen or seen.add(w))]
