"""Which column of a card file is which lead field: headers in several spellings and languages.

Card scanners, CRMs and bought lists name their columns as they like ("E-mail",
"Correo", "Empresa", "Company Name", "País"). A header is compared without case,
accents and punctuation against the alias table below; `--map column=field`
settles anything else. Columns that are no field are kept in the lead's notes.
"""

import unicodedata
from dataclasses import dataclass, field

# Field -> the headers that mean it, normalised (see `header_key`). "name" is a whole
# name, split into first and last; "items" and "playbook" are not lead fields but a row's.
ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "emailaddress", "mail", "email1", "correo", "correoelectronico", "courriel",
        "adressemail", "adresseemail", "emailadresse", "postaelettronica", "eposta",
    ),
    "first_name": (
        "firstname", "first", "givenname", "forename", "vorname", "nombre", "prenom", "nome",
        "voornaam",
    ),
    "last_name": (
        "lastname", "last", "surname", "familyname", "nachname", "apellidos", "apellido", "nom",
        "nomdefamille", "cognome", "achternaam",
    ),
    "name": (
        "name", "fullname", "contact", "contactname", "person", "nombrecompleto",
        "vollstandigername", "nomcomplet", "nomecompleto",
    ),
    "company": (
        "company", "companyname", "organisation", "organization", "org", "firma", "unternehmen",
        "empresa", "societe", "entreprise", "azienda", "bedrijf", "account", "accountname",
    ),
    "title": (
        "title", "jobtitle", "position", "role", "cargo", "puesto", "titel", "funktion",
        "fonction", "poste", "ruolo", "functie",
    ),
    "phone": (
        "phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "telefono",
        "telefon", "telephonenumber", "handy",
    ),
    "country": ("country", "countrycode", "pais", "land", "pays", "paese"),
    "industry": ("industry", "sector", "branche", "industria", "secteur", "settore", "vertical"),
    "website": (
        "website", "web", "url", "homepage", "site", "sitioweb", "webseite", "siteweb", "sitoweb",
    ),
    "source": ("source", "leadsource", "fuente", "quelle", "origine"),
    "owner": ("owner", "leadowner", "seller", "salesrep", "accountowner", "propietario"),
    "notes": (
        "notes", "note", "comments", "comment", "remarks", "notas", "bemerkungen", "bemerkung",
        "notizen", "remarques", "commentaires",
    ),
    "lead_id": ("leadid",),
    "timezone": ("timezone", "zeitzone", "zonahoraria"),
    "items": ("items", "order", "articulos", "artikel"),
    "playbook": ("playbook",),
}  # fmt: skip
FIELDS = tuple(ALIASES)


def header_key(header: str) -> str:
    """A header without case, accents, spaces or punctuation: "País" -> "pais"."""
    decomposed = unicodedata.normalize("NFKD", header.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


_BY_KEY = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


class ColumnError(ValueError):
    """Headers that cannot make leads: no email column, a field twice, a bad --map."""


@dataclass
class Columns:
    """Where each field is in a row, and the other columns, kept as notes."""

    fields: dict[str, int] = field(default_factory=dict)
    extras: list[tuple[int, str]] = field(default_factory=list)


def map_columns(headers: list[str], overrides: dict[str, str] | None = None) -> Columns:
    """The field of each header, by `overrides` (header -> field) first, then the aliases."""
    given = {header_key(h): f for h, f in (overrides or {}).items()}
    for target in given.values():
        if target not in ALIASES:
            raise ColumnError(f"--map: {target!r} is no field; fields: {', '.join(FIELDS)}")
    columns = Columns()
    for index, header in enumerate(headers):
        key = header_key(header)
        name = given.get(key) or _BY_KEY.get(key)
        if not key or name is None:
            if header.strip():
                columns.extras.append((index, header.strip()))
            continue
        if name in columns.fields:
            first = headers[columns.fields[name]]
            raise ColumnError(f"columns {first!r} and {header!r} are both {name}; use --map")
        columns.fields[name] = index
    if "email" not in columns.fields:
        found = ", ".join(repr(h) for h in headers) or "none"
        raise ColumnError(
            f"no email column (columns found: {found}); name one with --map COLUMN=email"
        )
    return columns


def split_name(name: str) -> tuple[str | None, str | None]:
    """A whole name as first and last: "Jeroen de Vries", "Müller, Sabine", "Madonna"."""
    name = " ".join(name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip() or None, last.strip() or None
    first, _, last = name.partition(" ")
    return first or None, last or None
