# Twin of flytesnacks core/control_flow/dynamics.py (see test/conformance/snacks/dynamics.ts).
import typing

from flytekit import dynamic, task, workflow


@task
def return_index(character: str) -> int:
    if character.islower():
        return ord(character) - ord("a")
    return ord(character) - ord("A")


@task
def update_list(freq_list: typing.List[int], list_index: int) -> typing.List[int]:
    freq_list[list_index] += 1
    return freq_list


@task
def derive_count(freq1: typing.List[int], freq2: typing.List[int]) -> int:
    return sum(min(a, b) for a, b in zip(freq1, freq2))


@dynamic
def count_characters(s1: str, s2: str) -> int:
    freq1 = [0] * 26
    freq2 = [0] * 26
    for ch in s1:
        if ch.isalpha():
            freq1 = update_list(freq_list=freq1, list_index=return_index(character=ch))
    for ch in s2:
        if ch.isalpha():
            freq2 = update_list(freq_list=freq2, list_index=return_index(character=ch))
    return derive_count(freq1=freq1, freq2=freq2)


@workflow
def wf(s1: str, s2: str) -> int:
    return count_characters(s1=s1, s2=s2)
