/**
 * What a field's name, or a table column's header, says about its value: values with no shape
 * of their own (a national phone number, 19 digits of a card) are recognised by where they stand.
 */

/** Fields that name what their `value` field holds: `{ name: "password", value: "…" }`. */
export const PAIR_NAME_FIELDS = ["name", "key", "header", "field"];

/**
 * A header cell naming a phone or card column. The name is searched first (a regex that starts
 * with a separator class would be tried at every position) and its cell boundaries checked after.
 */
export const PHONE_HEADER = headerHint(/(?:phone|tel|telephone|mobile|cell|fax|whatsapp|msisdn|handy|m[oó]vil|telefon[oe]?|t[ée]l[ée]phone|contact[ _-]?number)(?:[ _-]?(?:number|no))?[ "]*(?:[|,;\t]|$)/gim);
export const CARD_HEADER = headerHint(/(?:card|cc|pan|credit[ _-]?card)(?:[ _-]?(?:number|no|num))?[ "]*(?:[|,;\t]|$)/gim);
function headerHint(name: RegExp): { test(text: string): boolean } {
  return {
    test(text) {
      name.lastIndex = 0;
      for (let m = name.exec(text); m; m = name.exec(text)) {
        let i = m.index - 1;
        while (i >= 0 && (text[i] === " " || text[i] === '"')) i--;
        if (i < 0 || "|,;\t\n".includes(text[i]!)) return true;
      }
      return false;
    },
  };
}

/** Field names that hold a phone number. */
const PHONE_KEY = /^(?:phone|phone[_-]?(?:number|no)|phoneNumber|tel|telephone|mobile|mobile[_-]?(?:number|phone)|mobileNumber|cell|cellphone|fax|whatsapp|msisdn|contact[_-]?number)$/i;
/** 7–15 digits and nothing but phone punctuation: what a phone field holds when it holds a phone. */
const isPhoneLike = (v: string) => /^[+(]?[0-9][0-9 ().\-\/\u00a0\u2007\u2009\u202f\u2010\u2011]{5,24}$/.test(v.trim()) && ((n) => n >= 7 && n <= 15)(v.replace(/[^0-9]/g, "").length);

/** A field that holds a card number: `card_number`, `pan`, or `number` inside a `card` object. */
const CARD_KEY = /^(?:card[_-]?(?:number|no|num)|cardNumber|pan|cc[_-]?(?:number|num)|ccNumber|credit[_-]?card)$/i;
// path ends with the key itself; the parent is the entry before it.
export const isCardField = (key: string, path: string[]) => CARD_KEY.test(key) || (/^(?:number|num)$/i.test(key) && /card/i.test(path[path.length - 2] ?? ""));


/** A phone number in a field named for one: `{"phone": "132 0397 1151"}`. */
export const isPhoneField = (key: string, value: string) => PHONE_KEY.test(key) && isPhoneLike(value);
