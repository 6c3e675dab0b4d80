"""The last stage: each system the document names, with its aliases, claims, events and mentions."""

from catalogue.extract.doc import Builder, Doc
from catalogue.extract.normalize import alias_kind, fold
from catalogue.extract.vocab import place_countries, show_words
from catalogue.schemas import ExtractedAlias, ExtractedClaim, ExtractedSystem


def assemble_systems(doc: Doc) -> None:
    """The stage: the systems mentioned, in the order of their first mention (look-alikes never named
    in a sentence that kept them are left out)."""
    systems = [_system(builder) for builder in doc.builders.values() if builder.mentions]
    doc.systems = sorted(systems, key=lambda s: s.mentions[0].start)


def _system(builder: Builder) -> ExtractedSystem:
    found = builder.found
    claims = list(builder.claims)
    stated = {c.value for c in claims if c.attribute == "category"}
    # The reference list's category (a variant's: its base's), unless the text states one more precise than
    # "ballistic missile". "other" (a transport, a radar plane, a bomb) says nothing a reader can use: no claim.
    listed = found.reference or found.base
    if listed is not None and stated <= {"ballistic_missile"} and listed.category not in stated \
            and listed.category != "other":
        claims.append(ExtractedClaim(attribute="category", value=listed.category, rule="reference-list"))
    return ExtractedSystem(
        name=found.name, aliases=_aliases(builder), country=found.country or _display_country(builder),
        known=found.reference is not None,
        claims=claims, events=builder.events, mentions=builder.mentions)


def _display_country(builder: Builder) -> str | None:
    """A system the text gives no country, displayed at home by a country (a parade in Pyongyang, "a North
    Korean arms exhibition"), is that country's; not at an international show, where hosts display others'."""
    places, countries = place_countries()
    displays = [e for e in builder.events if e.kind == "display"]
    if not displays or any(show_words().search(e.quote) for e in displays):
        return None
    for where in [*(e.location for e in displays), builder.host_place]:
        place = places.search(where) if where else None
        if place is not None:
            return countries[place.group()]
    return None


def _aliases(builder: Builder) -> list[ExtractedAlias]:
    """The name, then the other names the text used, then those of the reference list: each once."""
    found = builder.found
    aliases = [ExtractedAlias(name=found.name, kind=alias_kind(found.name, found.name)
                              if alias_kind(found.name, found.name) == "designation" else "name")]
    folded = {fold(found.name)}
    others = [s for s in found.surfaces if s != found.name]
    if found.reference is not None:
        others += found.reference.aliases
    for name in others:
        if fold(name) not in folded:
            folded.add(fold(name))
            aliases.append(ExtractedAlias(name=name, kind=alias_kind(name, found.name)))
    return aliases
