"""One type for a person, and one mapping from the stored dict to it, for the pages,
the API and the documents alike."""

from __future__ import annotations

import pickle

from confmgr.documents import content, record
from confmgr.schemas import Person, person_of


def test_the_documents_name_people_with_the_one_person_type() -> None:
    assert content.Person is Person
    assert not hasattr(record, "person")  # no second mapping beside person_of


def test_person_of_cleans_and_names_nobody_without_a_name() -> None:
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"  # as some keyboards type it
    found = person_of({"full_name": f"  {decomposed}\u200b ", "position": " Giám đốc\x07 ", "organization": ""})
    assert found == Person("Nguyễn Văn An", "Giám đốc", None)
    assert person_of({"full_name": " \n ", "position": "Giám đốc"}) is None
    assert person_of(None) is None and person_of({}) is None


def test_a_person_describes_itself_as_a_document_does() -> None:
    person = Person("Nguyễn Văn An", "Giám đốc Sở Nội vụ", "Sở Nội vụ")
    assert person.office == "Giám đốc Sở Nội vụ"  # the office is never said twice
    assert person.describe() == "Nguyễn Văn An, Giám đốc Sở Nội vụ"
    assert Person("", "Thư ký").describe() == "Thư ký"


def test_a_person_travels_to_the_printing_pool() -> None:
    person = Person("Trần Thị Bình", "Chủ tịch", "UBND xã Cát Tiến")
    assert pickle.loads(pickle.dumps(person)) == person
    assert hash(person) == hash(Person("Trần Thị Bình", "Chủ tịch", "UBND xã Cát Tiến"))
